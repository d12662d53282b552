package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * The record of a referent that has (or had) more than one tracked handle: a weak reference to the
 * referent and the handles' cells, newest first, which is the order Python runs callbacks in.
 *
 * <p>Created only when a second handle to the same object is tracked; the first one's cell moves
 * into it. The collector clears it with the referent; it has no queue (the handles themselves tell
 * the engine, see {@link HandleTable}). The engine's sweep unlinks dropped handles' cells and the
 * group itself once it has none left. 48 bytes.
 */
final class Group extends Node {
  /** The cells, newest first, linked through {@link Node#next}; written under the segment's lock. */
  @Nullable Cell members;
  /** The last shared cell handed out: a hint that saves a walk on the hot path of reuse. */
  @Nullable Cell sharedHint;

  Group(Object referent, int hash) {
    super(referent, hash, null);
  }
}
