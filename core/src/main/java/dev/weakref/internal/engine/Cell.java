package dev.weakref.internal.engine;

import java.lang.ref.ReferenceQueue;
import org.jspecify.annotations.Nullable;

/**
 * One tracked handle (a user-visible ref or proxy): a weak reference to it, with what the engine
 * must know of it ({@link CellKind}) and its referent's identity hash.
 *
 * <p>The cell points at the handle <em>weakly</em>: a handle its owner dropped is collected like any
 * other object, never fires and is never kept alive by the engine. A new cell has no queue: most
 * handles die young, the collector clears their cells and the engine sweeps the buckets pushed to
 * since the last collection ({@link HandleTable#sweep}), which costs the reference handler nothing.
 * A cell found alive by two sweeps is replaced by a {@link Tenured} twin that has the engine's
 * queue, so that when its handle dies later the engine hears of it without sweeping every bucket.
 *
 * <p>40 bytes with compressed references: the {@code Reference} (28), {@code next}, {@code kind},
 * {@code hash}.
 */
sealed class Cell extends Node permits Cell.Tenured {
  /** Changed only from a kind to its {@link CellKind#aged} twin, under the segment's lock. */
  CellKind kind;

  Cell(Object handle, int hash, CellKind kind) {
    super(handle, hash, null);
    this.kind = kind;
  }

  private Cell(Object handle, int hash, CellKind kind, ReferenceQueue<Object> queue) {
    super(handle, hash, queue);
    this.kind = kind;
  }

  /** A cell that outlived a collection, registered with the engine's queue. */
  static final class Tenured extends Cell {
    Tenured(Object handle, int hash, CellKind kind, ReferenceQueue<Object> queue) {
      super(handle, hash, kind, queue);
    }
  }

  /** Whether the handle is one that its referent shares under {@code key}. */
  boolean sharedUnder(@Nullable Object key) {
    // Read without a lock, a cell linked by another thread may show its kind unwritten yet (a weakly
    // ordered CPU): a miss, never a wrong answer.
    CellKind k = kind;
    return k != null && k.shareKey == key;
  }
}
