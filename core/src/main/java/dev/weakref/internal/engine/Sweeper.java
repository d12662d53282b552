package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * Decides which slots to sweep after each collection; engine thread only.
 *
 * <p>A slot pushed to since the last collection is on the dirty list and is swept after the next
 * one. A slot that still had live cells then is <em>watched</em>: swept again after 1, 2, 4, … up
 * to {@link #MAX_DELAY} further collections, so that the record of an object whose refs die later
 * is retired too, at a cost per collection proportional to the slots due, not to all slots.
 */
final class Sweeper {
  private static final int RING = 1024;
  private static final int MAX_DELAY = 512;

  private final Registry registry;
  /** Watched slots, bucketed by the collection number at which they are due. */
  private final @Nullable Slot[] due = new Slot[RING];
  private long collections;

  Sweeper(Registry registry) {
    this.registry = registry;
  }

  /** Runs after every collection. */
  void afterCollection() {
    long now = ++collections;
    for (Slot s = Slot.takeDirty(); s != null; ) {
      Slot next = s.nextDirty();
      sweep(s, now, 0);
      s = next;
    }
    int bucket = (int) (now % RING);
    Slot s = due[bucket];
    due[bucket] = null;
    while (s != null) {
      Slot next = s.nextWatched;
      s.nextWatched = null;
      s.watched = false;
      sweep(s, now, Math.min(s.watchAge + 1, 30));
      s = next;
    }
  }

  private void sweep(Slot s, long now, int age) {
    if (s.sweep()) {
      registry.remove(s);
    } else if (!s.watched && !s.refersTo(null) && s.head() != Slot.RETIRED) {
      s.watched = true;
      s.watchAge = age;
      int delay = Math.min(1 << Math.min(age, 9), MAX_DELAY);
      int bucket = (int) ((now + delay) % RING);
      s.nextWatched = due[bucket];
      due[bucket] = s;
    }
  }
}
