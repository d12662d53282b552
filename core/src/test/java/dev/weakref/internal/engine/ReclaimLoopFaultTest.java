package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link OutOfMemoryError} on the engine thread corrupts nothing and loses nothing: injected
 * through the loop's test seams ({@link ReclaimLoop#growthFaults}, {@link Sweeps#canaryFaults}),
 * at the two allocations that used to lose work.
 */
final class ReclaimLoopFaultTest {

  @AfterEach
  void disarm() {
    ReclaimLoop.growthFaults.set(0);
    Sweeps.canaryFaults.set(0);
  }

  /**
   * The engine is held in a callback while a thousand references are put on its queue, with a
   * collect() counted as waiting: its next batch takes them all and must grow past
   * {@link ReclaimLoop#BATCH_MAX}, which fails once. Before, the references already in the batch were
   * dropped: their callbacks never ran.
   */
  @Test
  void oomeWhileTheBatchGrows_losesNoReferenceAlreadyTaken() throws Exception {
    // Engine references take no token: without one held, a JVM that runs this test first has no
    // engine thread to take the blocker.
    Object token = Engine.token();
    CountDownLatch release = Probe.holdEngine();
    List<Object> referents = new ArrayList<>(); // strongly held: only enqueue() puts them on the queue
    int n = 1000;
    AtomicInteger ran = new AtomicInteger();
    List<Probe> probes = Probe.counting(n, ran, referents);
    ReclaimLoop loop = Engine.loop();
    loop.collectorWaiting(); // as a waiting collect() does: the next batch is unbounded
    try {
      for (Probe p : probes) {
        assertTrue(p.enqueue());
      }
      ReclaimLoop.growthFaults.set(1);
    } finally {
      release.countDown();
    }
    try {
      Reclaimer.collect();
    } finally {
      loop.collectorDone();
    }
    assertEquals(0, ReclaimLoop.growthFaults.get(), "the batch never grew: the fault was not injected");
    assertEquals(n, ran.get(), "references processed of the " + n + " taken");
    assertEquals(n, referents.size());
    java.lang.ref.Reference.reachabilityFence(token);
  }

  /**
   * The Canary, a weak reference the engine re-creates after every collection to learn of the next
   * one, cannot be re-created once. Before, sweeping stopped for good: the bookkeeping of every ref
   * dropped afterwards was kept forever.
   */
  @Test
  void oomeWhileRecreatingTheCanary_sweepingGoesOnLater() {
    Sweeps.canaryFaults.set(1);
    Reclaimer.collect(); // clears the Canary: re-creating it fails
    assertEquals(0, Sweeps.canaryFaults.get(), "the fault was not injected");
    Object o = new Object();
    garbageRefsTo(o);
    assertTrue(Tracking.hasRecord(o));
    for (int i = 0; i < 3 && Tracking.hasRecord(o); i++) {
      Reclaimer.collect();
    }
    assertFalse(Tracking.hasRecord(o), "the dropped refs' record was never swept");
    assertEquals(0, Reclaimer.weakRefCount(o));
  }

  private static void garbageRefsTo(Object o) {
    for (int i = 0; i < 10; i++) {
      new WeakRef<>(o);
      new WeakRef<>(o, r -> {});
    }
  }
}
