package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.UnraisableCapture;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A failure as the engine begins a batch's first callback (starting the watchdog, in
 * {@link RunningUserCode#userCodeStarting}: out of memory, say; injected through
 * {@link RunningUserCode#startFaults}) is reported and the batch runs unwatched. Before, it was
 * thrown out of {@link ReferentCallbacks#run} past the callback's {@code try}: the failing callback
 * and every later one of the referent's, and of the referents taken with it, were lost with the
 * report; an engine reference's (a finalizer's) too.
 *
 * <p>So is a failure as the engine ends a callback (taking back the context class loader it left
 * on the thread, in {@link RunningUserCode#afterUserCode}: a security manager that denies it;
 * injected through {@link RunningUserCode#finishFaults}). Before, it was thrown out of the
 * callback's {@code finally}, and the referent's later callbacks were lost with the report.
 */
final class ReferentCallbacksTest {

  @Test
  void aFailureBeginningACallback_isReported_andEveryCallbackStillRuns() {
    AtomicInteger fired = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    collectWithOneStartFault(() -> {
      tracked(refs, r -> fired.incrementAndGet()); // three callbacks of one referent
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

  @Test
  void aFailureEndingACallback_isReported_andEveryCallbackStillRuns() {
    AtomicInteger fired = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    ClassLoader loader = ReferentCallbacksTest.class.getClassLoader();
    List<Object> sources = collectWithOneFault(RunningUserCode.finishFaults, SecurityException.class,
        () -> {
          for (int i = 0; i < 10; i++) {
            // Three callbacks of each referent, each leaving a loader for the engine to take back:
            // the first callback run, whichever it is, fails to end, and two of its referent's
            // follow.
            tracked(refs, r -> {
              Thread.currentThread().setContextClassLoader(loader);
              fired.incrementAndGet();
            });
          }
        });
    assertEquals(30, fired.get(), "callbacks run of the 30 refs to reclaimed referents");
    assertTrue(refs.contains(sources.get(0)), "not reported as a ref's: " + sources);
    Reference.reachabilityFence(refs);
  }

  /** Tracks three refs with {@code callback} to one object that nothing else holds. */
  private static void tracked(List<WeakRef<Object>> refs, Consumer<WeakRef<Object>> callback) {
    Object o = new Object();
    for (int i = 0; i < 3; i++) {
      refs.add(new WeakRef<>(o, callback));
    }
  }

  /** {@link #collectWithOneFault} for the watchdog's start, which fails as out of memory. */
  private static void collectWithOneStartFault(Runnable drop) {
    collectWithOneFault(RunningUserCode.startFaults, OutOfMemoryError.class, drop);
  }

  /**
   * Arms one fault of {@code faults}, a test seam of {@link RunningUserCode}, then has {@code drop}
   * make what dies (so that no collection runs its callbacks before the fault is armed) and collects
   * it; checks that the fault was injected and reported, as a {@code type}, and nothing else was.
   *
   * @return the source the fault was reported with, as the only element
   */
  private static List<Object> collectWithOneFault(AtomicInteger faults,
      Class<? extends Throwable> type, Runnable drop) {
    Reclaimer.collect(); // nothing of earlier tests left to take the fault
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      faults.set(1);
      drop.run();
      Reclaimer.collect();
      assertEquals(0, faults.get(), "the fault was not injected");
      List<Throwable> errors = unraisable.errors();
      assertEquals(1, errors.size(), errors.toString());
      assertInstanceOf(type, errors.get(0));
      return new ArrayList<>(unraisable.sources());
    } finally {
      faults.set(0);
    }
  }
}
