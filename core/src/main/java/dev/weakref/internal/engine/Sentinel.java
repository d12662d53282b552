package dev.weakref.internal.engine;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * A weak reference to a throwaway object, used by {@link CollectBarrier#collect} to learn that a
 * collection has happened and that everything it cleared has been processed.
 */
final class Sentinel extends WeakReference<Object> {
  final CountDownLatch done = new CountDownLatch(1);
  /** Whether the engine thread has taken this sentinel off the queue; engine thread only. */
  boolean taken;
  /** The sentinel taken before this one and not yet signalled; engine thread only. */
  @Nullable Sentinel nextTaken;

  Sentinel(ReferenceQueue<Object> queue) {
    super(new Object(), queue);
  }
}
