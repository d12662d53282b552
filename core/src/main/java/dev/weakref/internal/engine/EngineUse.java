package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * Counts the registrations of one kind that need the engine thread, and holds the engine's token
 * (see {@link Engine}) while the count is not 0: the registrations pay no field for it.
 *
 * <p>Call {@link #acquire()} before the registration can be enqueued (before its engine reference
 * is reachable from anywhere but the caller), and {@link #release()} once per acquire, after the
 * engine has processed it or once it was dropped (then never processed): the token stays reachable
 * while a registration may still be on the queue.
 *
 * <p><b>Internal:</b> public for the coroutines module.
 */
public final class EngineUse {
  private long count; // guarded by this
  private @Nullable Object token; // guarded by this: non-null while count is not 0

  /** Creates a count of 0, holding nothing. */
  public EngineUse() {}

  /**
   * Counts one more registration; takes the token (starting the engine thread if needed) when it is
   * the first.
   *
   * @throws OutOfMemoryError if the engine thread could not be started; nothing is counted then
   */
  public synchronized void acquire() {
    if (count == 0) {
      token = Engine.token(); // first: if it throws, nothing has changed
    }
    count++;
  }

  /** Counts one registration less; lets go of the token when none is left. */
  public synchronized void release() {
    if (count == 0) {
      throw new IllegalStateException("EngineUse released more often than acquired");
    }
    if (--count == 0) {
      token = null;
    }
  }
}
