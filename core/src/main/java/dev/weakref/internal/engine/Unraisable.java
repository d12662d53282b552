package dev.weakref.internal.engine;

import dev.weakref.engine.UnraisableHook;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The unraisable hook: where what callbacks and listeners throw goes, and how many failures it got.
 *
 * <p><b>Internal:</b> public only for {@link dev.weakref.engine.Reclaimer}, which is its face.
 */
public final class Unraisable {
  private static final AtomicLong FAILURES = new AtomicLong();

  /** Prints {@code Exception ignored in: <source>} and the stack trace, as Python does. */
  private static final UnraisableHook DEFAULT_HOOK = Unraisable::printUnraisable;

  private static volatile UnraisableHook hook = DEFAULT_HOOK;

  private Unraisable() {}

  /**
   * Returns the hook that receives exceptions thrown by callbacks and listeners.
   *
   * @return the current hook, never {@code null}
   */
  public static UnraisableHook hook() {
    return hook;
  }

  /**
   * Replaces the hook that receives exceptions thrown by callbacks and listeners.
   *
   * @param newHook the new hook, or {@code null} to restore the default (print to {@code System.err})
   * @return the previous hook
   */
  public static UnraisableHook setHook(@Nullable UnraisableHook newHook) {
    UnraisableHook old = hook;
    hook = newHook == null ? DEFAULT_HOOK : newHook;
    return old;
  }

  /** How many exceptions were reported so far. */
  static long failures() {
    return FAILURES.get();
  }

  /**
   * Reports an exception that cannot be propagated to the current unraisable hook, and counts it.
   * Never throws.
   *
   * @param error the exception
   * @param source what threw it (a callback, a listener), printed as {@code Exception ignored in:}
   */
  public static void report(Throwable error, @Nullable Object source) {
    FAILURES.incrementAndGet();
    Jfr.failed(error, source); // never throws; a static final read unless jdk.jfr is there
    tell(error, source);
  }

  /**
   * Hands {@code error} to the hook without counting it as a failure: the watchdog's reports of a
   * callback running long, which are counted apart. Never throws.
   */
  static void tell(Throwable error, @Nullable Object source) {
    try {
      hook.unraisable(error, source);
    } catch (Throwable hookFailure) {
      try {
        printUnraisable(hookFailure, hook);
        printUnraisable(error, source);
      } catch (Throwable ignored) {
        // Nothing is left to tell.
      }
    }
  }

  private static void printUnraisable(Throwable error, @Nullable Object source) {
    synchronized (System.err) {
      System.err.println("Exception ignored in: " + safeToString(source));
      error.printStackTrace(System.err);
    }
  }

  static String safeToString(@Nullable Object o) {
    if (o == null) {
      return "None";
    }
    try {
      return String.valueOf(o);
    } catch (Throwable t) {
      return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
    }
  }
}
