package dev.weakref.internal.engine;

import java.lang.ref.ReferenceQueue;
import org.jspecify.annotations.Nullable;

/**
 * An identity-keyed concurrent table from referent to {@link Slot}, holding referents only weakly.
 *
 * <p>Lookups are lock-free and may miss while a segment is being changed (a reader can see a slot
 * before its referent field, or walk a chain being rehashed); a miss is therefore confirmed under
 * the segment's lock before anyone acts on it. A hit is always right: {@code refersTo} compares the
 * very object. Writers lock one of 64 segments chosen by the identity hash.
 */
final class Registry {
  private static final int SEGMENT_SHIFT = 25; // identity hashes have 31 bits: the top 6 pick a segment
  private final Segment[] segments = new Segment[64];

  Registry() {
    for (int i = 0; i < segments.length; i++) {
      segments[i] = new Segment();
    }
  }

  private Segment segmentFor(int hash) {
    return segments[(hash >>> SEGMENT_SHIFT) & 63];
  }

  /** Returns the referent's slot, or null if it has none. */
  @Nullable Slot find(Object referent, int hash) {
    Segment seg = segmentFor(hash);
    Slot s = seg.find(referent, hash);
    return s != null ? s : seg.findLocked(referent, hash);
  }

  /** Returns the referent's slot if a lock-free look finds it; may miss one being changed. */
  @Nullable Slot findFast(Object referent, int hash) {
    return segmentFor(hash).find(referent, hash);
  }

  /** Returns the referent's slot, creating it if needed. */
  Slot findOrCreate(Object referent, int hash, ReferenceQueue<Object> queue) {
    Segment seg = segmentFor(hash);
    Slot s = seg.find(referent, hash);
    return s != null ? s : seg.findOrCreate(referent, hash, queue);
  }

  /** Like {@link #findOrCreate}, but waits for a concurrent removal to finish first. */
  Slot findOrCreateLocked(Object referent, int hash, ReferenceQueue<Object> queue) {
    return segmentFor(hash).findOrCreate(referent, hash, queue);
  }

  /** Unlinks a slot whose referent was reclaimed, or which was retired. */
  void remove(Slot slot) {
    segmentFor(slot.hash).remove(slot);
  }

  void forEach(java.util.function.Consumer<Slot> action) {
    for (Segment seg : segments) {
      seg.forEach(action);
    }
  }

  long size() {
    long n = 0;
    for (Segment s : segments) {
      n += s.count;
    }
    return n;
  }

  private static final class Segment {
    private volatile @Nullable Slot[] table = new Slot[16];
    private volatile int count;

    synchronized void forEach(java.util.function.Consumer<Slot> action) {
      for (Slot s : table) {
        for (; s != null; s = s.nextInBucket) {
          action.accept(s);
        }
      }
    }

    @Nullable Slot find(Object referent, int hash) {
      @Nullable Slot[] t = table;
      for (Slot s = t[hash & (t.length - 1)]; s != null; s = s.nextInBucket) {
        if (s.hash == hash && s.refersTo(referent) && s.head() != Slot.RETIRED) {
          return s;
        }
      }
      return null;
    }

    synchronized @Nullable Slot findLocked(Object referent, int hash) {
      return find(referent, hash);
    }

    synchronized Slot findOrCreate(Object referent, int hash, ReferenceQueue<Object> queue) {
      Slot s = find(referent, hash);
      if (s != null) {
        return s;
      }
      @Nullable Slot[] t = table;
      if (count >= t.length - (t.length >>> 2)) {
        t = resize(t);
      }
      s = new Slot(referent, hash, queue);
      int i = hash & (t.length - 1);
      s.nextInBucket = t[i];
      t[i] = s;
      count = count + 1;
      table = t; // volatile write publishes the slot to lock-free readers
      return s;
    }

    synchronized void remove(Slot slot) {
      @Nullable Slot[] t = table;
      int i = slot.hash & (t.length - 1);
      Slot prev = null;
      for (Slot s = t[i]; s != null; prev = s, s = s.nextInBucket) {
        if (s == slot) {
          if (prev == null) {
            t[i] = s.nextInBucket;
          } else {
            prev.nextInBucket = s.nextInBucket;
          }
          count = count - 1;
          table = t;
          return;
        }
      }
    }

    private @Nullable Slot[] resize(@Nullable Slot[] old) {
      @Nullable Slot[] t = new Slot[old.length * 2];
      for (Slot s : old) {
        while (s != null) {
          Slot next = s.nextInBucket;
          int i = s.hash & (t.length - 1);
          s.nextInBucket = t[i];
          t[i] = s;
          s = next;
        }
      }
      return t;
    }
  }
}
