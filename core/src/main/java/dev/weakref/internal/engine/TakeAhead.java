package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The nodes of the tracked handles' references in a window of the batch, taken out of the
 * {@link HandleTable} ahead of their processing, under one lock per segment
 * ({@link HandleTable#takeDead(int[], int, Node[], boolean[], long[])}) instead of one per
 * reference: a burst of dead referents spent a third of the engine thread's time taking and
 * releasing the segments' locks otherwise. Engine thread only: {@link ReclaimLoop} takes a window
 * when its cursor leaves the last one, and asks here for each tracked handle's reference's node
 * ({@link #nodeFor}); its state is handed over to a fresh engine thread with the loop's.
 *
 * <p>Taking a node a few references early changes nothing but when the table's counts drop: the
 * referent is dead and unreachable, and its callbacks still run in batch order. A reference
 * processed without a node taken ahead (a failure here, a batch cleared meanwhile) takes its own.
 * A node taken ahead is not lost if its reference's processing throws before handing it out: the
 * loop reports the error, then runs its callbacks all the same ({@link #unclaimed}).
 */
final class TakeAhead {
  /** A window's length: a full bounded batch. */
  private static final int WINDOW = ReclaimLoop.BATCH_MAX;

  private final HandleTable table;
  /*
   * The nodes taken ahead for the tracked handles' references of the batch at [from, from +
   * WINDOW), by position: refs says for which reference each was taken (null once used, or if none
   * was), so that nothing stale is ever used for another.
   */
  private final @Nullable Reference<?>[] refs = new Reference<?>[WINDOW];
  private final @Nullable Node[] nodes = new Node[WINDOW];
  private int from;
  private int to;
  /**
   * How many of {@link #positions}, from the first, are the slots the last window may have set:
   * the next window clears those only, not all {@link #WINDOW} (a batch of engine references, say
   * a ReclaimQueue's or finalizers', sets none).
   */
  private int set;
  /* take's scratch: the hashes to take, their positions, what the table took, its sort keys. */
  private final int[] hashes = new int[WINDOW];
  private final int[] positions = new int[WINDOW];
  private final @Nullable Node[] out = new Node[WINDOW];
  private final boolean[] took = new boolean[WINDOW];
  private final long[] keys = new long[WINDOW];
  /**
   * Test seam: how many dead handles' nodes were taken one by one, not ahead. A plain field, free
   * on the hot path: written by the engine thread only (a fresh one gets it with the loop's state,
   * through {@code Thread.start} and {@code join}), and read by a test after
   * {@code Reclaimer.collect()} returned, which happens after everything the engine thread did
   * before it signalled that collect()'s sentinel (a {@code CountDownLatch}).
   */
  long ownTakes;

  /**
   * Test seam: how many nodes taken ahead are still to fail as they are handed out, as a bug of the
   * engine's would between the take and the callbacks. Read once per window, into
   * {@link #faultsArmed}: nothing per reference.
   */
  static final AtomicInteger handOutFaults = new AtomicInteger();
  /** Whether {@link #handOutFaults} was armed when the window was taken. */
  private boolean faultsArmed;

  TakeAhead(HandleTable table) {
    this.table = table;
  }

  /** Whether the batch's reference at {@code index} lies in the window taken last. */
  boolean covers(int index) {
    return index >= from && index < to;
  }

  /**
   * Forgets the window, as the batch is emptied: the next batch's first reference must take its
   * window anew, even where it lies inside the last batch's (which, kept, skipped the take ahead of
   * every batch after a first one that ended at most BATCH_MAX references long).
   */
  void restart() {
    from = 0;
    to = 0;
  }

  /**
   * Takes the nodes of the tracked handles' references ({@link ReclaimLoop#isHandleReference})
   * among the next {@link #WINDOW} of {@code batch}, from {@code start} on. Never throws: what it
   * could not take, the references take themselves.
   */
  void take(List<Reference<?>> batch, int start) {
    int end = Math.min(batch.size(), start + WINDOW);
    from = start;
    to = end;
    for (int k = 0; k < set; k++) { // none is used before it is set below
      int p = positions[k];
      refs[p] = null;
      nodes[p] = null; // nor kept (a last resort: ReclaimLoop claims a node not handed out)
    }
    set = 0;
    faultsArmed = handOutFaults.get() > 0;
    int n = 0;
    try {
      HandleAccess handles = null;
      for (int i = start; i < end; i++) {
        Reference<?> ref = batch.get(i);
        if (ReclaimLoop.isHandleReference(ref)) {
          if (handles == null) {
            handles = table.access();
          }
          hashes[n] = handles.referentHash(ref);
          positions[n] = i - start;
          took[n] = false;
          n++;
        }
      }
      if (n != 0) {
        table.takeDead(hashes, n, out, took, keys);
      }
    } catch (Throwable t) {
      Unraisable.report(t, this); // a bug of ours: what was taken is kept, the rest take theirs
    } finally {
      for (int k = 0; k < n; k++) {
        if (took[k]) {
          int p = positions[k];
          refs[p] = batch.get(start + p);
          nodes[p] = out[k];
          out[k] = null;
        }
      }
      set = n;
    }
  }

  /**
   * The node of the tracked handle's reference {@code ref}, the batch's at {@code index}: the one
   * taken ahead for it, else taken out of the table now.
   */
  @Nullable Node nodeFor(Reference<?> ref, int index) {
    int p = slotOf(ref, index);
    if (p >= 0) {
      if (faultsArmed && handOutFaults.get() > 0 && handOutFaults.getAndDecrement() > 0) {
        throw new IllegalStateException("injected by a test: handing out a node taken ahead");
      }
      return claim(p);
    }
    ownTakes++;
    return table.takeDead(table.access().referentHash(ref));
  }

  /**
   * After the processing of {@code ref}, the batch's at {@code index}, threw: the node taken ahead
   * for it if it was not handed out, which is out of the table and would be lost, else null.
   */
  @Nullable Node unclaimed(Reference<?> ref, int index) {
    int p = slotOf(ref, index);
    return p >= 0 ? claim(p) : null;
  }

  /**
   * The slot of the window kept for {@code ref}, the batch's at {@code index}, if the take ahead
   * set it and it was not claimed yet (its node may be null: nothing of the referent was left in
   * the table); else -1.
   */
  private int slotOf(Reference<?> ref, int index) {
    int p = index - from;
    return p >= 0 && p < WINDOW && refs[p] == ref ? p : -1;
  }

  /** Hands out the node of slot {@code p} ({@link #slotOf}) and empties it: it is used once. */
  private @Nullable Node claim(int p) {
    Node taken = nodes[p];
    refs[p] = null;
    nodes[p] = null;
    return taken;
  }
}
