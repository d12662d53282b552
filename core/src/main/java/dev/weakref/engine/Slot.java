package dev.weakref.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The engine's record for one referent: what CPython keeps in the object's {@code tp_weaklist}.
 *
 * <p>The JVM has no such slot in the object header, so the {@link Registry} maps the referent's
 * identity to this weak reference. The cells hang off {@link #head}, newest first, which is the
 * order Python runs callbacks in. New cells are pushed with a CAS; only the engine thread unlinks.
 */
final class Slot extends WeakReference<Object> {
  private static final VarHandle HEAD;

  static {
    try {
      HEAD = MethodHandles.lookup().findVarHandle(Slot.class, "head", Cell.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final int hash;
  final Class<?> type;
  /** Next slot in the same registry bucket; guarded by the segment's lock for writes. */
  @Nullable Slot nextInBucket;

  private volatile @Nullable Cell head;
  /** The last shared cell handed out: a hint that saves a walk on the hot path of reuse. */
  private volatile @Nullable Cell sharedHint;
  /**
   * Cells pushed since the last sweep. Racy on purpose: the pusher whose increment makes it
   * {@link #SWEEP_AFTER} puts the slot on the engine's list of slots to sweep after the next
   * collection; a lost update only delays that. Slots with fewer cells are never swept: they hold at
   * most that many dead cells, and go with their referent.
   */
  private int unswept;

  static final int SWEEP_AFTER = 16;

  Slot(Object referent, int hash, ReferenceQueue<Object> queue) {
    super(referent, queue);
    this.hash = hash;
    this.type = referent.getClass();
  }

  @Nullable Cell head() {
    return head;
  }

  /**
   * Pushes a cell, newest first.
   *
   * @return whether this slot has just become due for a sweep
   */
  boolean push(Cell cell) {
    Cell h;
    do {
      h = head;
      cell.next = h;
    } while (!HEAD.compareAndSet(this, h, cell));
    return ++unswept == SWEEP_AFTER;
  }

  /**
   * Returns the live handle shared under {@code key}, or null. Lock-free; may miss a handle that is
   * being published concurrently, which {@link #sharedLocked} then finds.
   */
  @Nullable Object shared(Object key) {
    Cell c = sharedHint;
    if (c != null && c.shareKey == key) {
      Object h = c.get();
      if (h != null) {
        return h;
      }
    }
    return null;
  }

  /** Walks the cells for a live handle shared under {@code key}; call holding this slot's lock. */
  @Nullable Object sharedLocked(Object key) {
    for (Cell c = head; c != null; c = c.next) {
      if (c.shareKey == key) {
        Object h = c.get();
        if (h != null) {
          sharedHint = c;
          return h;
        }
      }
    }
    return null;
  }

  void hintShared(Cell cell) {
    sharedHint = cell;
  }

  int liveCount() {
    int n = 0;
    for (Cell c = head; c != null; c = c.next) {
      if (!c.refersTo(null)) {
        n++;
      }
    }
    return n;
  }

  List<Object> liveHandles() {
    List<Object> out = new ArrayList<>();
    for (Cell c = head; c != null; c = c.next) {
      Object h = c.get();
      if (h != null) {
        out.add(h);
      }
    }
    return out;
  }

  /**
   * Unlinks the cells whose handles the collector has cleared. Engine thread only; concurrent pushes
   * only ever replace the head, and a reader still walking an unlinked cell sees a valid tail.
   */
  void sweep() {
    unswept = 0;
    Cell prev = null;
    for (Cell c = head; c != null; c = c.next) {
      if (c.refersTo(null) && prev != null) {
        prev.next = c.next;
      } else {
        prev = c;
      }
    }
  }
}
