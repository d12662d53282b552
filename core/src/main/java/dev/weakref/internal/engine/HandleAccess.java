package dev.weakref.internal.engine;

import java.lang.ref.Reference;

/**
 * What the engine must be able to read of the handles that {@code dev.weakref} tracks; installed
 * once with {@link Tracking#connect}.
 *
 * <p><b>Internal:</b> public only for {@code dev.weakref}.
 *
 * <p>Every tracked handle stands for a weak reference to its referent created with the queue that
 * {@link Tracking#connect} returns, and whose reachability is the handle's: a {@code WeakRef} is
 * its own, a proxy's is its invocation handler. The collector enqueues it when the referent dies if
 * the handle is still reachable then, and so tells the engine which referents to reclaim without a
 * per-referent record; a handle its owner dropped is not enqueued.
 */
public interface HandleAccess {

  /**
   * Returns the weak reference to its referent that stands for {@code handle}. A handle that is
   * itself a {@link Reference} must be its own: the engine's hot path of reuse reads such a handle
   * without calling this.
   *
   * @param handle a handle passed to {@link Tracking#track} or made by a factory of
   *     {@link Tracking#shared}
   * @return the reference, created with the engine's queue
   */
  Reference<?> referenceOf(Object handle);

  /**
   * Returns the identity hash of the referent that {@code reference} was created for, as recorded
   * before the handle was tracked; only its low 31 bits are read.
   *
   * @param reference a reference that {@link #referenceOf} returns for a tracked handle, taken off
   *     the engine's queue after its referent was reclaimed
   * @return {@code System.identityHashCode} of the referent, at least its low 31 bits
   */
  int referentHash(Reference<?> reference);
}
