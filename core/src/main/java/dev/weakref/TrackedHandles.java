package dev.weakref;

import dev.weakref.internal.ProxyClasses;
import dev.weakref.internal.engine.HandleAccess;
import dev.weakref.internal.engine.Tracking;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;

/**
 * How the engine reads the handles this package tracks: a {@link WeakRef} (and so a
 * {@link WeakMethod}) is its own weak reference to the referent; a weak proxy's is its
 * handler (see {@link ProxyClasses#referenceOf}). Both are created with {@link #QUEUE} and record the referent's identity hash.
 */
final class TrackedHandles implements HandleAccess {
  /**
   * The engine's queue ({@link Tracking#queue()}), with which every tracked handle's reference is
   * created: reading it first installs this access.
   */
  static final ReferenceQueue<Object> QUEUE = Tracking.connect(new TrackedHandles());

  private TrackedHandles() {}

  @Override
  public Reference<?> referenceOf(Object handle) {
    return handle instanceof WeakRef<?> ref ? ref : ProxyClasses.referenceOf(handle);
  }

  @Override
  public int referentHash(Reference<?> reference) {
    return reference instanceof WeakRef<?> ref
        ? ref.trackedReferentHash()
        : ProxyClasses.referentHash(reference);
  }
}
