package dev.weakref.engine;

import org.jspecify.annotations.Nullable;

/**
 * Receives the exceptions that nobody can catch: those thrown by callbacks run on the engine thread.
 *
 * <p>Python: {@code sys.unraisablehook}. Install one with {@link Reclaimer#setUnraisableHook}; the
 * default prints {@code Exception ignored in: <source>} and the stack trace to {@code System.err}.
 * The hook runs on the thread that caught the exception (normally {@code weakref-reclaimer}); an
 * exception thrown by the hook itself is printed to {@code System.err} and otherwise ignored.
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
