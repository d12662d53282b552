package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's events per second: when a burst of referents dies while their refs live, the engine
 * takes their cells out of the table before it sweeps the collection, so that the sweep does not
 * first visit (and age) every cell about to be taken; and a collect() still returns swept.
 */
final class SweepAfterDrainTest {
  /** Holds the engine thread while the test lets the collector enqueue a whole burst. */
  private static final class Blocker extends EngineReference<Object> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    /** Whether a sweep waited (or a reference was carried) when the engine thread was held. */
    volatile boolean sweepPending;

    Blocker() {
      super(null);
    }

    @Override
    protected void reclaimed() {
      sweepPending = Engine.loop().sweepPending();
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void cellsOfABurstThatDied_areTakenBeforeTheSweep_whichAgesNoneOfThem()
      throws InterruptedException {
    int n = 20_000;
    List<Object> referents = new ArrayList<>();
    List<WeakRef<Object>> refs = new ArrayList<>();
    List<Cell> cells = new ArrayList<>();
    AtomicInteger fired = new AtomicInteger();
    Reclaimer.collect(); // what earlier tests left behind is processed first
    // Build the burst, then hold the engine thread with no sweep waiting: a collection made while
    // the burst was built may have left one, which the end of the blocker's batch could then do
    // mid-burst. Such a hold says nothing: let it go, and build a fresh burst after the collect()
    // that does that sweep (which has seen this burst's cells alive).
    Blocker blocker = null;
    for (int attempt = 0; attempt < 20 && blocker == null; attempt++) {
      referents.clear();
      refs.clear();
      cells.clear();
      for (int i = 0; i < n; i++) {
        Object o = new Object();
        referents.add(o);
        refs.add(new WeakRef<>(o, r -> fired.incrementAndGet()));
        cells.add((Cell) Engine.TABLE.nodeOf(o, System.identityHashCode(o)));
      }
      Blocker b = new Blocker();
      b.enqueue();
      assertTrue(b.entered.await(30, TimeUnit.SECONDS), "the engine did not run the blocker");
      if (b.sweepPending) {
        b.release.countDown();
        referents.clear(); // this burst's refs fire too: counted below
        Reclaimer.collect();
      } else {
        blocker = b;
      }
    }
    assertTrue(blocker != null, "a sweep was pending at each of 20 holds of the engine thread");
    int agedBefore = aged(cells); // by sweeps of collections while the burst was made: no sweep now
    referents.clear();
    // The burst dies; the engine thread is held until the reference handler has enqueued it all,
    // so that its refs are on the queue whatever the order it takes them and the canary in.
    // System.gc() again only while the burst is not cleared: Serial, Parallel and G1 skip it while
    // a thread is in a JNI critical region, and a young collection then leaves promoted referents.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (WeakRef<Object> r : refs) {
      while (r.get() != null) {
        assertTrue(System.nanoTime() < deadline, "the collector did not clear the burst");
        System.gc();
      }
    }
    for (WeakRef<Object> r : refs) {
      while (!r.isEnqueued()) {
        assertTrue(System.nanoTime() < deadline, "the collector did not enqueue the burst");
        Thread.onSpinWait();
      }
    }
    int firedBefore = fired.get(); // by bursts given up above, all collected
    blocker.release.countDown();
    Reclaimer.collect();
    assertEquals(n, fired.get() - firedBefore);
    assertEquals(agedBefore, aged(cells), "the sweep visited cells of referents that had died");
    Reference.reachabilityFence(refs);
  }

  /** How many of {@code cells} a sweep has seen alive. */
  private static int aged(List<Cell> cells) {
    int aged = 0;
    for (Cell c : cells) {
      if (c.kind.aged == null) {
        aged++;
      }
    }
    return aged;
  }
}
