package dev.weakref.engine;

/**
 * Tells the {@linkplain Reclaimer#setUnraisableHook unraisable hook} that a callback, finalizer or
 * listener has been running on the engine thread for longer than the bound set by the system
 * property {@code weakref.callbackWarnMillis} (default 10 000 ms; 0 turns the report off).
 *
 * <p>Nothing was thrown and nothing is stopped: the callback goes on running, and every other
 * callback, finalizer and container clean-up waits for it (see "A callback that blocks" in
 * {@link Reclaimer}). The engine reports each such run once, from its {@code weakref-watchdog}
 * thread, with the running ref, finalizer or listener as the hook's {@code source}; the message names
 * the callback's class and the ref, and this exception's stack trace is the engine thread's stack
 * when the report was made, so it shows where the callback is stuck. Each report counts in
 * {@link ReclaimStats#slowCallbacks()}, not in {@link ReclaimStats#callbackFailures()}.
 */
public final class SlowCallbackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates a report; the engine then sets its stack trace to the engine thread's.
   *
   * @param message what runs, for how long, and what waits for it
   */
  public SlowCallbackException(String message) {
    super(message, null, false, true);
  }
}
