package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import dev.weakref.testing.UnraisableCapture;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine takes the dead referents' nodes of a batch ahead, one segment lock at a time
 * ({@link TakeAhead}), in every batch, not only in the first: the window of the last
 * batch is forgotten when a new batch starts. A node so taken is not lost when the processing of
 * its reference fails.
 */
final class TakeAheadTest {

  @Test
  void everyBatch_takesItsDeadReferentsAhead_notOneByOne() {
    AtomicInteger fired = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    Reclaimer.collect();
    long before = Engine.LOOP.ownTakes();
    // Bursts of at most BATCH_MAX references, each its own batch after the one before it: the
    // second and later began inside the first one's window and took every node one by one.
    for (int burst = 0; burst < 5; burst++) {
      dropAfterTracking(100, refs, fired);
      Reclaimer.collect();
    }
    assertEquals(500, fired.get());
    assertEquals(0, Engine.LOOP.ownTakes() - before, "nodes taken one by one instead of ahead");
    Reference.reachabilityFence(refs);
  }

  /**
   * The engine's processing of a reference whose node was taken ahead throws before that node's
   * callbacks run (injected through {@link TakeAhead#handOutFaults}). The node is out of the table
   * by then: before, it was dropped with the error's report, and its referent's callbacks never
   * ran.
   */
  @Test
  void aNodeTakenAhead_whoseReferenceFailsToBeProcessed_stillHasItsCallbacksRun() {
    assertEveryCallbackRuns_despiteOneHandOutFault(100, (error, source) -> {});
  }

  /**
   * The same, where the unraisable hook calls {@code collect()} as the error is reported: the
   * nested collect() goes on with the batch, past the window, whose next take clears what the last
   * one left. The node taken ahead for the failed reference is claimed before the report.
   */
  @Test
  void aNodeTakenAhead_whoseReferenceFails_isNotLostToACollectInTheUnraisableHook() {
    assertEveryCallbackRuns_despiteOneHandOutFault(2_000, (error, source) ->
        Reclaimer.collect()); // nested: on the engine thread, in the middle of the batch
  }

  /**
   * Arms one fault of the hand-out ({@link TakeAhead#handOutFaults}), drops {@code n} tracked
   * referents with callbacks and collects, the unraisable hook doing {@code hook} after recording
   * the error: checks that the fault was injected, that every callback ran, and that the engine's
   * error, and it alone, was reported.
   */
  private static void assertEveryCallbackRuns_despiteOneHandOutFault(int n, UnraisableHook hook) {
    AtomicInteger fired = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    Reclaimer.collect(); // nothing of earlier tests left to take the fault
    try (UnraisableCapture unraisable = UnraisableCapture.start(hook)) {
      TakeAhead.handOutFaults.set(1);
      dropAfterTracking(n, refs, fired);
      Reclaimer.collect();
      assertEquals(0, TakeAhead.handOutFaults.get(), "the fault was not injected");
      assertEquals(n, fired.get(), "callbacks run of the " + n + " referents reclaimed");
      List<Throwable> errors = unraisable.errors();
      assertEquals(1, errors.size(), errors.toString());
      assertInstanceOf(IllegalStateException.class, errors.get(0));
    } finally {
      TakeAhead.handOutFaults.set(0);
    }
    Reference.reachabilityFence(refs);
  }

  /** Tracks a ref with a callback to each of {@code n} objects that nothing else holds. */
  private static void dropAfterTracking(int n, List<WeakRef<Object>> refs, AtomicInteger fired) {
    for (int i = 0; i < n; i++) {
      refs.add(new WeakRef<>(new Object(), r -> fired.incrementAndGet()));
    }
  }
}
