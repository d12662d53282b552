package dev.weakref.reliability;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.ReclaimEvent;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.ReclaimStats;
import dev.weakref.engine.SlowCallbackException;
import dev.weakref.engine.UnraisableHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A callback that blocks (issue 17, item 2): while it blocks on a latch, the watchdog reports it to
 * the unraisable hook once, with its class, its ref and the engine thread's stack, and counts it in
 * {@code stats().slowCallbacks()}; {@code collect()} with a short timeout fails naming it; the
 * callbacks, finalizers and container entries reclaimed meanwhile wait, and once the latch is
 * released each runs exactly once. The bound is set small through {@code weakref.callbackWarnMillis},
 * which the watchdog reads at each sample. No sleep: every wait is a latch (or a join) with a timeout.
 */
final class BlockingCallbackTest {
  private static final String PROPERTY = "weakref.callbackWarnMillis";
  /** What is reclaimed while the callback blocks, of each kind. */
  private static final int N = 200;

  private record Report(Throwable error, Object source) {}

  private final BlockingQueue<Report> reports = new LinkedBlockingQueue<>();
  private UnraisableHook previousHook;
  private String previousBound;

  @BeforeEach
  void setUp() throws Exception {
    Reclaimer.collect(); // nothing of an earlier test is left to run
    previousBound = System.setProperty(PROPERTY, "200");
    previousHook = Reclaimer.setUnraisableHook((e, source) -> reports.add(new Report(e, source)));
  }

  @AfterEach
  void tearDown() {
    Reclaimer.setUnraisableHook(previousHook);
    if (previousBound == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, previousBound);
    }
  }

  /** Blocks on {@link #release} (at most a minute), counting its runs. */
  private static final class BlockingCallback implements Consumer<WeakRef<Object>> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicIntegerArray runs = new AtomicIntegerArray(1);

    @Override
    public void accept(WeakRef<Object> wr) {
      runs.incrementAndGet(0);
      entered.countDown();
      try {
        release.await(60, SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A ref with {@code callback} to an object that is garbage on return. */
  private static WeakRef<Object> refToGarbage(Consumer<WeakRef<Object>> callback) {
    return new WeakRef<>(new Object(), callback);
  }

  @Test
  void blockedCallback_isReportedOnceNamedInCollectTimeout_andNothingQueuedMeanwhileIsLost()
      throws Exception {
    ReclaimStats before = Reclaimer.stats();
    BlockingCallback blocking = new BlockingCallback();
    WeakRef<Object> blocked = refToGarbage(blocking);

    // Another thread has the engine start the callback, and waits for everything (a minute).
    AtomicReference<Throwable> longCollect = new AtomicReference<>();
    Thread collector = new Thread(() -> {
      try {
        Reclaimer.collect(Duration.ofSeconds(120));
      } catch (Throwable t) {
        longCollect.set(t);
      }
    }, "long collect");
    collector.start();
    assertTrue(blocking.entered.await(60, SECONDS), "the blocking callback never started");

    // Meanwhile: refs with callbacks, finalizers and container entries become garbage.
    AtomicIntegerArray refRuns = new AtomicIntegerArray(N);
    AtomicIntegerArray finalizerRuns = new AtomicIntegerArray(N);
    List<WeakRef<Object>> refs = new ArrayList<>();
    WeakValueDictionary<Integer, Object> dict = new WeakValueDictionary<>();
    for (int i = 0; i < N; i++) {
      int id = i;
      refs.add(refToGarbage(wr -> refRuns.incrementAndGet(id)));
      Finalizer.of(new Object(), () -> finalizerRuns.incrementAndGet(id));
      dict.put(id, new Object());
    }

    // collect() cannot finish while the callback blocks: its message names the callback and ref.
    // Not a shorter timeout: at a load of 10 or more on 2 cores its first forced collection alone
    // took over 300 ms, and the message then (rightly) blamed the collector, not the callback.
    IllegalStateException timeout = assertThrows(IllegalStateException.class,
        () -> Reclaimer.collect(Duration.ofSeconds(2)));
    assertTrue(timeout.getMessage().contains(BlockingCallback.class.getName()), timeout.getMessage());
    assertTrue(timeout.getMessage().contains(blocked.toString()), timeout.getMessage());

    // The watchdog reports it once the bound (200 ms) is over, with the engine thread's stack.
    Report report = reports.poll(30, SECONDS);
    assertNotNull(report, "no report of the blocked callback");
    SlowCallbackException slow = assertInstanceOf(SlowCallbackException.class, report.error());
    assertSame(blocked, report.source());
    assertTrue(slow.getMessage().contains(BlockingCallback.class.getName()), slow.getMessage());
    assertTrue(slow.getMessage().contains(blocked.toString()), slow.getMessage());
    assertTrue(Arrays.stream(slow.getStackTrace()).anyMatch(
            f -> f.getClassName().equals(BlockingCallback.class.getName())
                && f.getMethodName().equals("accept")),
        "the engine thread's stack: " + Arrays.toString(slow.getStackTrace()));
    ReclaimStats during = Reclaimer.stats();
    assertEquals(before.slowCallbacks() + 1, during.slowCallbacks());
    assertEquals(before.callbackFailures(), during.callbackFailures(), "a report is no failure");

    // The policy: everything else waits for the blocked callback.
    for (int i = 0; i < N; i++) {
      assertEquals(0, refRuns.get(i) + finalizerRuns.get(i), "ran while the engine was blocked");
    }

    // Released: the long collect() returns, and everything queued meanwhile runs exactly once.
    blocking.release.countDown();
    collector.join(SECONDS.toMillis(120));
    assertNull(longCollect.get(), () -> "the long collect() failed: " + longCollect.get());
    Reclaimer.collect();
    assertEquals(1, blocking.runs.get(0), "the blocked callback's runs");
    for (int i = 0; i < N; i++) {
      assertEquals(1, refRuns.get(i), "runs of ref callback " + i);
      assertEquals(1, finalizerRuns.get(i), "runs of finalizer " + i);
    }
    assertTrue(dict.isEmpty(), "entries left: " + dict.size());
    assertNull(reports.poll(), "one report only");
    assertEquals(before.slowCallbacks() + 1, Reclaimer.stats().slowCallbacks());

    // No watchdog thread is left once the engine idles.
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("weakref-watchdog")) {
        t.join(10_000);
        assertTrue(!t.isAlive(), "the watchdog thread did not end while the engine idled");
      }
    }
    assertEquals(N, refs.size()); // the refs were held until they fired
  }

  /** User code of every other kind, blocking on {@link #release} (at most a minute). */
  private static final class Blocker implements Runnable, ReclaimListener, Consumer<Object>,
      java.util.function.IntConsumer {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

    private void block() {
      if (runs.incrementAndGet() > 1) {
        return; // only the first run blocks: a listener may hear of later reclaims too
      }
      entered.countDown();
      try {
        release.await(60, SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      block();
    }

    @Override
    public void onReclaim(ReclaimEvent event) {
      block();
    }

    @Override
    public void accept(Object o) {
      block();
    }

    @Override
    public void accept(int n) {
      block();
    }
  }

  /** The other kinds of user code the engine runs, each set up to block once on reclaim. */
  enum Kind {
    FINALIZER, ENGINE_LISTENER, DICTIONARY_LISTENER, SET_COUNT_LISTENER
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKindOfUserCode_isReportedByItsClass_andReleasedLosesNothing(Kind kind)
      throws Exception {
    ReclaimStats before = Reclaimer.stats();
    Blocker blocker = new Blocker();
    AtomicIntegerArray refRuns = new AtomicIntegerArray(N);
    List<WeakRef<Object>> refs = new ArrayList<>();
    ReclaimRegistration registration = null;
    WeakValueDictionary<Integer, Object> dict = new WeakValueDictionary<>();
    WeakSet<Object> set = new WeakSet<>();
    switch (kind) {
      case FINALIZER -> Finalizer.of(new Object(), blocker);
      case ENGINE_LISTENER -> {
        registration = Reclaimer.addListener(blocker);
        refs.add(refToGarbage(wr -> { }));
      }
      case DICTIONARY_LISTENER -> {
        registration = dict.onReclaim(blocker);
        dict.put(-1, new Object());
      }
      case SET_COUNT_LISTENER -> {
        registration = set.onReclaim(blocker);
        set.add(new Object());
      }
    }
    Thread collector = new Thread(() -> Reclaimer.collect(Duration.ofSeconds(120)), "long collect");
    collector.start();
    assertTrue(blocker.entered.await(60, SECONDS), "the blocking " + kind + " never started");
    for (int i = 0; i < N; i++) {
      int id = i;
      refs.add(refToGarbage(wr -> refRuns.incrementAndGet(id)));
    }

    IllegalStateException timeout = assertThrows(IllegalStateException.class,
        () -> Reclaimer.collect(Duration.ofSeconds(2))); // not shorter: see the test above
    assertTrue(timeout.getMessage().contains(Blocker.class.getName()), timeout.getMessage());
    Report report = reports.poll(30, SECONDS);
    assertNotNull(report, "no report of the blocked " + kind);
    SlowCallbackException slow = assertInstanceOf(SlowCallbackException.class, report.error());
    assertTrue(slow.getMessage().contains(Blocker.class.getName()), slow.getMessage());
    assertTrue(Arrays.stream(slow.getStackTrace()).anyMatch(
            f -> f.getClassName().equals(Blocker.class.getName())),
        "the engine thread's stack: " + Arrays.toString(slow.getStackTrace()));
    if (kind == Kind.ENGINE_LISTENER) {
      assertSame(blocker, report.source());
    }
    assertEquals(before.slowCallbacks() + 1, Reclaimer.stats().slowCallbacks());

    blocker.release.countDown();
    collector.join(SECONDS.toMillis(120));
    if (registration != null) {
      registration.close();
    }
    Reclaimer.collect();
    for (int i = 0; i < N; i++) {
      assertEquals(1, refRuns.get(i), "runs of ref callback " + i);
    }
    assertTrue(blocker.runs.get() >= 1);
    if (kind == Kind.FINALIZER) {
      assertEquals(1, blocker.runs.get());
    }
    assertTrue(dict.isEmpty() && set.isEmpty());
    assertNull(reports.poll(), "one report only");
    assertEquals(N + (kind == Kind.ENGINE_LISTENER ? 1 : 0), refs.size());
  }
}
