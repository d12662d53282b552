package dev.weakref.engine;

import org.jspecify.annotations.Nullable;

/**
 * Receives the exceptions that nobody can catch: those thrown by callbacks run on the engine thread.
 *
 * <p>Python: {@code sys.unraisablehook}. Install one with {@link Reclaimer#setUnraisableHook}; the
 * default prints {@code Exception ignored in: <source>} and the stack trace to {@code System.err}.
 * The hook runs on the thread that caught the exception (normally {@code weakref-reclaimer}); an
 * exception thrown by the hook itself is printed to {@code System.err} and otherwise ignored. It
 * also receives the {@link SlowCallbackException}s that report a callback running long, on the
 * {@code weakref-watchdog} thread, possibly while the engine thread calls it: a hook must be
 * thread-safe, and should return promptly.
 */
@FunctionalInterface
public interface UnraisableHook {

  /**
   * Handles one exception that could not be propagated.
   *
   * @param error what the callback threw
   * @param source the callback (or other object) that threw it, as Python's {@code unraisable.object}
   */
  void unraisable(Throwable error, @Nullable Object source);
}
