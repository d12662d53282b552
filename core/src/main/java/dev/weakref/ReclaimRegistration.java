package dev.weakref;

/**
 * A reclaim listener's registration with a weak container or the engine; closing it removes the
 * listener.
 *
 * <p>Returned by {@link WeakKeyDictionary#onReclaim}, {@link WeakValueDictionary#onReclaim},
 * {@link WeakSet#onReclaim} and {@link dev.weakref.engine.Reclaimer#addListener}. Closing is idempotent and thread-safe; a notification already running
 * on the engine thread may still finish after {@link #close()} returns.
 */
@FunctionalInterface
public interface ReclaimRegistration extends AutoCloseable {

  /** Removes the listener; does nothing if it was already removed. Throws nothing. */
  @Override
  void close();
}
