package dev.weakref;

/**
 * A reclaim listener's registration with a weak container; closing it removes the listener.
 *
 * <p>Returned by {@link WeakKeyDictionary#onReclaim}, {@link WeakValueDictionary#onReclaim} and
 * {@link WeakSet#onReclaim}. Closing is idempotent and thread-safe; a notification already running
 * on the engine thread may still finish after {@link #close()} returns.
 */
@FunctionalInterface
public interface ReclaimRegistration extends AutoCloseable {

  /** Removes the listener; does nothing if it was already removed. Throws nothing. */
  @Override
  void close();
}
