package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * The record of a referent that has (or had) more than one tracked handle: a weak reference to the
 * referent and the handles' cells, newest first, which is the order Python runs callbacks in.
 *
 * <p>Created only when a second handle to the same object is tracked; the first one's cell moves
 * into it. The collector clears it with the referent; it has no queue (the handles themselves tell
 * the engine, see {@link HandleTable}). The engine's sweep unlinks dropped handles' cells and the
 * group itself once it has none left. 48 bytes with compressed references.
 */
final class Group extends Node {
  /** The cells, newest first, linked through {@link Node#next}; written under the segment's lock. */
  @Nullable Cell members;
  /**
   * The last shared cell handed out under {@link #hintKey}: a hint that saves a walk on the hot path
   * of reuse. Holds only cells shared under that key (or null); written under the segment's lock.
   */
  @Nullable Cell sharedHint;
  /**
   * The key of every cell {@link #sharedHint} ever holds: set once, by the first {@link #hint}, and
   * never changed, so that a lock-free reader that finds it equal to its key may trust whatever
   * hint it reads, in either order, without loading the cell's kind. It fills the 4 bytes the
   * group's 48 had free. A referent shared under two keys keeps the hint for the first one, also
   * when the group forms from a lone shared cell and a handle shared under a second key (the lone
   * cell is hinted as the group is made): so {@code WeakRef.of(o)}, the hot path of reuse, keeps
   * its lock-free look once a proxy of {@code o} is shared too.
   */
  @Nullable Object hintKey;

  Group(Object referent, int hash) {
    super(referent, hash, null);
  }

  /**
   * Makes {@code cell}, a member shared under {@code key}, the hint, unless the group hints another
   * key; hold the segment's lock.
   */
  void hint(Cell cell, Object key) {
    Object k = hintKey;
    if (k == null) {
      hintKey = key;
    } else if (k != key) {
      return;
    }
    sharedHint = cell;
  }
}
