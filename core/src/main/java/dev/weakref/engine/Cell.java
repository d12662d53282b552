package dev.weakref.engine;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * One tracked handle (a user-visible ref or proxy) in its referent's {@link Slot}.
 *
 * <p>The cell points at the handle <em>weakly</em>: a handle its owner dropped is collected like any
 * other object, never fires and is never kept alive by the engine. When that happens the collector
 * enqueues the cell and the engine unlinks it, so dropped handles cost no memory for long.
 */
final class Cell extends WeakReference<Object> {
  final Slot slot;
  final @Nullable ReclaimAction action;
  /** Non-null for a handle that may be handed out again (Python's reuse of callback-less refs). */
  final @Nullable Object shareKey;
  /** Older cells of the same slot; written before publication and then only by the engine thread. */
  @Nullable Cell next;
  /** Set once the engine has stopped counting this cell as alive; engine thread only. */
  boolean retired;

  Cell(Object handle, Slot slot, @Nullable ReclaimAction action, @Nullable Object shareKey,
      ReferenceQueue<Object> queue) {
    super(handle, queue);
    this.slot = slot;
    this.action = action;
    this.shareKey = shareKey;
  }
}
