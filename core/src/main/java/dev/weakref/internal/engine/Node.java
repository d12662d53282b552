package dev.weakref.internal.engine;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * An element of a {@link HandleTable} bucket, or of a {@link Group}'s list: what the engine keeps of
 * one referent, in place of CPython's {@code tp_weaklist}. A referent with one tracked handle has
 * just that handle's {@link Cell} in its bucket; one with several has a {@link Group} there, which
 * lists their cells.
 */
abstract sealed class Node extends WeakReference<Object> permits Cell, Group {
  /** The referent's identity hash. */
  final int hash;
  /**
   * In a bucket, the next node of the bucket; in a group, the next older cell. Written under the
   * segment's lock only. A lock-free reader may see it stale, or (after the engine took the node
   * out) pointing into a list of nodes being reclaimed, so it confirms what it finds.
   */
  @Nullable Node next;

  Node(Object referent, int hash, @Nullable ReferenceQueue<Object> queue) {
    super(referent, queue);
    this.hash = hash;
  }
}
