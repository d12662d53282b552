package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.UnraisableCapture;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A failure as the engine begins a batch's first callback (starting the watchdog, in
 * {@link RunningUserCode#userCodeStarting}: out of memory, say; injected through
 * {@link RunningUserCode#startFaults}) is reported and the batch runs unwatched. Before, it was
 * thrown out of {@link ReferentCallbacks#run} past the callback's {@code try}: the failing callback
 * and every later one of the referent's, and of the referents taken with it, were lost with the
 * report; an engine reference's (a finalizer's) too.
 */
final class ReferentCallbacksTest {

  @Test
  void aFailureBeginningACallback_isReported_andEveryCallbackStillRuns() {
    AtomicInteger fired = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    collectWithOneStartFault(() -> {
      tracked(refs, fired); // three callbacks of one referent
      for (int i = 0; i < 100; i++) {
        refs.add(new WeakRef<>(new Object(), r -> fired.incrementAndGet()));
      }
    });
    assertEquals(103, fired.get(), "callbacks run of the 103 refs to reclaimed referents");
    Reference.reachabilityFence(refs);
  }

  @Test
  void aFailureBeginningAFinalizer_isReported_andTheFinalizerStillRuns() {
    AtomicInteger finalized = new AtomicInteger();
    collectWithOneStartFault(() -> Finalizer.of(new Object(), finalized::incrementAndGet));
    assertEquals(1, finalized.get(), "the finalizer did not run");
  }

  /** Tracks three refs with callbacks to one object that nothing else holds. */
  private static void tracked(List<WeakRef<Object>> refs, AtomicInteger fired) {
    Object o = new Object();
    for (int i = 0; i < 3; i++) {
      refs.add(new WeakRef<>(o, r -> fired.incrementAndGet()));
    }
  }

  /**
   * Arms one fault of the watchdog's start, then has {@code drop} make what dies (so that no
   * collection runs its callbacks before the fault is armed) and collects it; checks that the fault
   * was injected and reported, and nothing else was.
   */
  private static void collectWithOneStartFault(Runnable drop) {
    Reclaimer.collect(); // nothing of earlier tests left to take the fault
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      RunningUserCode.startFaults.set(1);
      drop.run();
      Reclaimer.collect();
      assertEquals(0, RunningUserCode.startFaults.get(), "the fault was not injected");
      List<Throwable> errors = unraisable.errors();
      assertEquals(1, errors.size(), errors.toString());
      assertInstanceOf(OutOfMemoryError.class, errors.get(0));
    } finally {
      RunningUserCode.startFaults.set(0);
    }
  }
}
