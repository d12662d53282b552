package dev.weakref.internal.engine;

import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * One tracked handle (a user-visible ref or proxy) in its referent's {@link Slot}.
 *
 * <p>The cell points at the handle <em>weakly</em>: a handle its owner dropped is collected like any
 * other object, never fires and is never kept alive by the engine. The cell has no queue: the
 * collector clears it, and the engine sweeps cleared cells off their slot after each collection
 * (see {@link Slot#sweep}), which costs the reference handler and the queue's lock nothing.
 */
final class Cell extends WeakReference<Object> {
  final @Nullable ReclaimAction action;
  /** Non-null for a handle that may be handed out again (Python's reuse of callback-less refs). */
  final @Nullable Object shareKey;
  /** Older cells of the same slot; written before publication, then only by the engine's sweep. */
  @Nullable Cell next;

  Cell(@Nullable Object handle, @Nullable ReclaimAction action, @Nullable Object shareKey) {
    super(handle);
    this.action = action;
    this.shareKey = shareKey;
  }
}
