package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.jspecify.annotations.Nullable;
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
 *
 * <p>What the hook finds running as it is told ({@link RunningUserCode#running}) is the user code
 * that begins, for a failure to begin; nothing, for a failure to end: the finished callback is not
 * named any more. Before, a failure to begin was told with the user code before it named (none).
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
    Reported reported = collectWithOneFault(RunningUserCode.finishFaults, SecurityException.class,
        () -> {
          for (int i = 0; i < 10; i++) {
            // Three callbacks of each referent, each leaving a loader for the engine to take back:
            // the first callback run fails to end; a referent's run newest first, so it is the
            // newest of its three, and two of its referent's follow it.
            tracked(refs, r -> {
              Thread.currentThread().setContextClassLoader(loader);
              fired.incrementAndGet();
            });
          }
        });
    assertEquals(30, fired.get(), "callbacks run of the 30 refs to reclaimed referents");
    assertTrue(refs.contains(reported.source()), "not reported as a ref's: " + reported);
    assertEquals(2, refs.indexOf(reported.source()) % 3,
        "the failure to end was not its referent's first callback: no later one of it was at risk");
    assertNull(reported.running(), "the finished callback was still named as running");
    Reference.reachabilityFence(refs);
  }

  /**
   * A refusal that lasts (a security manager's) is reported once per engine thread, not once for
   * every later user code that ends on it, which left nothing and would be blamed: the thread is
   * not asked again. Three ends of user code in one callback, on the engine thread, with every
   * reset refused: one report, for the first; the engine's own end of the callback asks no more.
   */
  @Test
  void aLastingRefusalToEndUserCode_isReportedOncePerThread() {
    AtomicInteger fired = new AtomicInteger();
    ClassLoader loader = ReferentCallbacksTest.class.getClassLoader();
    Object[] ends = {"first end", "second end", "third end"};
    int armed = 100;
    List<WeakRef<Object>> refs = new ArrayList<>();
    Reported reported = collectWithFaults(RunningUserCode.finishFaults, armed,
        SecurityException.class, () -> refs.add(new WeakRef<>(new Object(), r -> {
          for (Object end : ends) {
            Thread.currentThread().setContextClassLoader(loader);
            RunningUserCode.afterUserCode(end);
          }
          fired.incrementAndGet();
        })));
    assertEquals(1, fired.get(), "the callback did not run");
    assertSame(ends[0], reported.source(), "not reported as the first end's: " + reported);
    Reference.reachabilityFence(refs);
  }

  /** Tracks three refs with {@code callback} to one object that nothing else holds. */
  private static void tracked(List<WeakRef<Object>> refs, Consumer<WeakRef<Object>> callback) {
    Object o = new Object();
    for (int i = 0; i < 3; i++) {
      refs.add(new WeakRef<>(o, callback));
    }
  }

  /** {@link #collectWithFaults} with one fault armed. */
  private static Reported collectWithOneFault(AtomicInteger faults,
      Class<? extends Throwable> type, Runnable drop) {
    return collectWithFaults(faults, 1, type, drop);
  }

  /**
   * {@link #collectWithOneFault} for the watchdog's start, which fails as out of memory; checks that
   * the user code it began was named as running when the hook was told.
   */
  private static void collectWithOneStartFault(Runnable drop) {
    Reported reported =
        collectWithOneFault(RunningUserCode.startFaults, OutOfMemoryError.class, drop);
    assertSame(reported.source(), reported.running(), "what the hook found running");
  }

  /**
   * The one fault's report: its source, and what the engine named as running while the hook ran.
   */
  private record Reported(@Nullable Object source, @Nullable Object running) {}

  /**
   * Arms {@code armed} faults of {@code faults}, a test seam of {@link RunningUserCode}, then has
   * {@code drop} make what dies (so that no collection runs its callbacks before the faults are
   * armed) and collects it; checks that exactly one fault was injected and reported, as a
   * {@code type}, and nothing else was.
   */
  private static Reported collectWithFaults(AtomicInteger faults, int armed,
      Class<? extends Throwable> type, Runnable drop) {
    Reclaimer.collect(); // nothing of earlier tests left to take the fault
    List<@Nullable Object> running = new ArrayList<>(); // by the engine thread, read after collect()
    try (UnraisableCapture unraisable =
        UnraisableCapture.start((e, source) -> running.add(Engine.LOOP.userCode.running()))) {
      faults.set(armed);
      drop.run();
      Reclaimer.collect();
      assertEquals(armed - 1, faults.get(), "not one fault injected");
      List<Throwable> errors = unraisable.errors();
      assertEquals(1, errors.size(), errors.toString());
      assertInstanceOf(type, errors.get(0));
      return new Reported(unraisable.sources().get(0), running.get(0));
    } finally {
      faults.set(0);
    }
  }
}
