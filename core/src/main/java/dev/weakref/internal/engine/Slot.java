package dev.weakref.internal.engine;

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
 *
 * <p>A slot that had cells pushed since the last collection is on the <em>dirty list</em>; after
 * the next collection the engine {@linkplain #sweep sweeps} it: cleared cells (handles their owners
 * dropped) are unlinked, and a slot left with no live cell is <em>retired</em> (its head CASed to
 * {@link #RETIRED}, so no push can land on it) and removed from the registry. So an object that
 * outlives its refs does not keep their bookkeeping either. A slot whose refs outlive that first
 * sweep is watched by the {@link Sweeper} and swept again after exponentially spaced collections.
 */
final class Slot extends WeakReference<Object> {
  private static final VarHandle HEAD;
  private static final VarHandle DIRTY;
  private static final VarHandle DIRTY_LIST;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(Slot.class, "head", Cell.class);
      DIRTY = l.findVarHandle(Slot.class, "dirty", int.class);
      DIRTY_LIST = l.findStaticVarHandle(Slot.class, "dirtyList", Slot.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The head of a slot taken out of service; pushes onto it fail. */
  static final Cell RETIRED = new Cell(null, null, null);

  /** Slots pushed to since the last sweep, linked through {@link #nextDirty}. */
  @SuppressWarnings("unused")
  private static volatile @Nullable Slot dirtyList;

  final int hash;
  /** The referent's class, for events; dropped once the slot is done, so no class loader is pinned. */
  @Nullable Class<?> type;
  /** Next slot in the same registry bucket; guarded by the segment's lock for writes. */
  @Nullable Slot nextInBucket;

  private volatile @Nullable Cell head;
  /** The last shared cell handed out: a hint that saves a walk on the hot path of reuse. */
  private volatile @Nullable Cell sharedHint;
  /** 1 while this slot is on the dirty list. */
  @SuppressWarnings("unused")
  private volatile int dirty;
  private @Nullable Slot nextDirty;
  /** Engine-thread state of the re-sweep schedule of {@link Sweeper}. */
  @Nullable Slot nextWatched;
  boolean watched;
  int watchAge;

  Slot(Object referent, int hash, ReferenceQueue<Object> queue) {
    super(referent, queue);
    this.hash = hash;
    this.type = referent.getClass();
  }

  @Nullable Cell head() {
    return head;
  }

  /**
   * Pushes a cell, newest first, and puts the slot on the dirty list if it is not there.
   *
   * @return {@code false} if the slot was retired: the caller must find or create a new one
   */
  boolean push(Cell cell) {
    Cell h;
    do {
      h = head;
      if (h == RETIRED) {
        return false;
      }
      cell.next = h;
    } while (!HEAD.compareAndSet(this, h, cell));
    if (dirty == 0 && DIRTY.compareAndSet(this, 0, 1)) {
      Slot first;
      do {
        first = dirtyList;
        nextDirty = first;
      } while (!DIRTY_LIST.compareAndSet(first, this));
    }
    return true;
  }

  /** Takes the whole dirty list; engine thread only. Follow it with {@link #nextDirty()}. */
  static @Nullable Slot takeDirty() {
    return (Slot) DIRTY_LIST.getAndSet((Slot) null);
  }

  /** The next slot of a list from {@link #takeDirty}; clears the link and the dirty mark. */
  @Nullable Slot nextDirty() {
    Slot next = nextDirty;
    nextDirty = null;
    dirty = 0;
    return next;
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
   * Unlinks the cells whose handles the collector has cleared, and retires the slot if none is
   * left alive. Engine thread only; concurrent pushes only ever replace the head, and a reader still
   * walking an unlinked cell sees a valid tail.
   *
   * @return whether the slot was retired (the caller removes it from the registry)
   */
  boolean sweep() {
    Cell h = head;
    if (h == RETIRED || refersTo(null)) {
      return false; // retired already, or the referent is gone and reclaim() will see to it
    }
    Cell prev = h;
    boolean anyLive = h != null && !h.refersTo(null);
    for (Cell c = h == null ? null : h.next; c != null; c = c.next) {
      if (c.refersTo(null)) {
        prev.next = c.next;
      } else {
        anyLive = true;
        prev = c;
      }
    }
    sharedHint = null;
    // Retire only if nothing was pushed meanwhile: the CAS fails if the head moved.
    if (!anyLive && HEAD.compareAndSet(this, h, RETIRED)) {
      type = null;
      return true;
    }
    return false;
  }

  /**
   * Drops the cells and the class of a slot whose referent was reclaimed, so that nothing it held
   * (handles' share keys, the referent's class) outlives it while it waits in the sweeper's schedule.
   * Engine thread only, after the callbacks ran.
   */
  void clearAfterReclaim() {
    head = RETIRED;
    sharedHint = null;
    type = null;
  }
}
