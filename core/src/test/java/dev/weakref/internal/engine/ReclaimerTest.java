package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import dev.weakref.engine.ReclaimEvent;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.engine.ReclaimStats;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import dev.weakref.testing.UnraisableCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The engine: its thread, the unraisable hook, collect(), stats and listeners. */
final class ReclaimerTest {

  private static Thread engineThread() {
    AtomicReference<Thread> t = new AtomicReference<>();
    Object o = new Object();
    WeakRef<Object> wr = new WeakRef<>(o, r -> t.set(Thread.currentThread()));
    o = null;
    Reclaimer.collect();
    assertNull(wr.get());
    return t.get();
  }

  @Test
  void engineThread_isNamedDaemonWithoutContextClassLoader() {
    Thread t = engineThread();
    assertEquals("weakref-reclaimer", t.getName());
    assertTrue(t.isDaemon());
    assertNull(t.getContextClassLoader(), "the engine thread must pin no application class loader");
    assertTrue(Reclaimer.isAlive());
  }

  @Test
  void thousandThrowingCallbacks_eachReachTheHook_andTheNextStillRuns() {
    AtomicInteger ran = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    List<Object> referents = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Object o = new Object();
      referents.add(o);
      int n = i;
      // two refs per object: the newer throws, the older must still run
      refs.add(new WeakRef<>(o, r -> ran.incrementAndGet()));
      refs.add(new WeakRef<>(o, r -> {
        throw new IllegalStateException("boom " + n);
      }));
    }
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      List<Throwable> reported = unraisable.errors();
      long failuresBefore = Reclaimer.stats().callbackFailures();
      referents.clear();
      Reclaimer.collect();
      assertEquals(1000, reported.size());
      assertEquals(1000, ran.get());
      assertTrue(reported.stream().allMatch(e -> e.getMessage().startsWith("boom ")));
      assertTrue(unraisable.sources().stream()
          .allMatch(s -> s instanceof java.util.function.Consumer<?>));
      assertTrue(Reclaimer.stats().callbackFailures() >= failuresBefore + 1000);
    }
    assertTrue(Reclaimer.isAlive());
    assertEquals("weakref-reclaimer", engineThread().getName());
    assertEquals(2000, refs.size());
  }

  @Test
  void errorsAndStackOverflows_doNotKillTheEngine() {
    Object a = new Object();
    Object b = new Object();
    WeakRef<Object> ra = new WeakRef<>(a, r -> {
      throw new OutOfMemoryError("pretend");
    });
    WeakRef<Object> rb = new WeakRef<>(b, r -> recurse(0));
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      a = null;
      b = null;
      Reclaimer.collect();
      assertEquals(2, unraisable.errors().size());
    }
    assertTrue(Reclaimer.isAlive());
    assertNull(ra.get());
    assertNull(rb.get());
  }

  private static int recurse(int n) {
    return recurse(n + 1) + 1;
  }

  @Test
  void defaultHook_printsExceptionIgnoredInAndTheTrace() {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Object o = new Object();
    java.util.function.Consumer<WeakRef<Object>> cb = new java.util.function.Consumer<>() {
      @Override
      public void accept(WeakRef<Object> r) {
        throw new IllegalStateException("from the callback");
      }

      @Override
      public String toString() {
        return "<my callback>";
      }
    };
    WeakRef<Object> wr = new WeakRef<>(o, cb);
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      o = null;
      Reclaimer.collect();
    } finally {
      System.setErr(oldErr);
    }
    String printed = buf.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("Exception ignored in: <my callback>"), printed);
    assertTrue(printed.contains("java.lang.IllegalStateException: from the callback"), printed);
    assertNull(wr.get());
  }

  @Test
  void hookThatThrows_isSurvived() {
    PrintStream oldErr = System.err;
    System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try (UnraisableCapture broken = UnraisableCapture.start((error, source) -> {
      throw new RuntimeException("hook broke");
    })) {
      Object o = new Object();
      WeakRef<Object> wr = new WeakRef<>(o, r -> {
        throw new IllegalStateException("x");
      });
      o = null;
      Reclaimer.collect();
      assertNull(wr.get());
      assertTrue(!broken.errors().isEmpty(), "the hook was called");
    } finally {
      System.setErr(oldErr);
    }
    assertTrue(Reclaimer.isAlive());
  }

  @Test
  void setUnraisableHook_returnsPreviousAndNullRestoresDefault() {
    UnraisableHook mine = (e, s) -> {};
    UnraisableHook before = Reclaimer.setUnraisableHook(mine);
    assertSame(mine, Reclaimer.unraisableHook());
    assertSame(mine, Reclaimer.setUnraisableHook(null));
    assertSame(before, Reclaimer.unraisableHook());
  }

  @Test
  void callbackThatCreatesRefsAndBlocksBriefly_losesNothing() throws Exception {
    AtomicInteger later = new AtomicInteger();
    List<WeakRef<Object>> made = new CopyOnWriteArrayList<>();
    Object[] keep = {new Object()};
    List<WeakRef<Object>> refs = new ArrayList<>();
    List<Object> objs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Object o = new Object();
      objs.add(o);
      refs.add(new WeakRef<>(o, r -> {
        made.add(new WeakRef<>(keep[0], x -> later.incrementAndGet()));
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // blocks briefly, on purpose
      }));
    }
    objs.clear();
    Reclaimer.collect();
    assertEquals(50, made.size());
    assertEquals(50, Reclaimer.weakRefCount(keep[0]));
    assertEquals(50, refs.size());
    keep[0] = null;
    Reclaimer.collect();
    assertEquals(50, later.get());
  }

  @Test
  void collect_fromACallback_returnsInsteadOfDeadlocking() {
    AtomicInteger returned = new AtomicInteger();
    Object o = new Object();
    WeakRef<Object> wr = new WeakRef<>(o, r -> {
      Reclaimer.collect(); // runs what it caused on this thread: see NestedCollectTest
      returned.incrementAndGet();
    });
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      o = null;
      Reclaimer.collect();
      assertEquals(List.of(), unraisable.errors());
    }
    assertEquals(1, returned.get());
    assertNull(wr.get());
  }

  @Test
  void collect_withTinyTimeout_namesWhatIsPending() {
    Object o = new Object();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    WeakRef<Object> wr = new WeakRef<>(o, r -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    o = null;
    try {
      IllegalStateException e = null;
      for (int i = 0; i < 200 && e == null; i++) {
        try {
          Reclaimer.collect(java.time.Duration.ofMillis(200));
        } catch (IllegalStateException timedOut) {
          e = timedOut;
        }
      }
      assertTrue(e != null && e.getMessage().startsWith("collect() timed out after 200 ms"),
          String.valueOf(e));
    } finally {
      release.countDown();
    }
    Reclaimer.collect();
    assertNull(wr.get());
  }

  @Test
  void stats_countRefsAliveAndCallbacksRun() {
    Object o = new Object();
    ReclaimStats before = Reclaimer.stats();
    WeakRef<Object> a = new WeakRef<>(o, r -> {});
    WeakRef<Object> b = new WeakRef<>(o, r -> {});
    ReclaimStats during = Reclaimer.stats();
    assertTrue(during.refsAlive() >= 2);
    assertTrue(during.referentsTracked() >= 1);
    o = null;
    Reclaimer.collect();
    ReclaimStats after = Reclaimer.stats();
    assertTrue(after.callbacksRun() >= before.callbacksRun() + 2);
    assertEquals(0, after.pending());
    assertNull(a.get());
    assertNull(b.get());
  }

  @Test
  void listener_seesEachReclaimedReferentAfterItsCallbacks() {
    List<ReclaimEvent> events = new CopyOnWriteArrayList<>();
    List<String> order = new CopyOnWriteArrayList<>();
    ReclaimListener l = e -> {
      if (e.referentType() == Marker.class) {
        events.add(e);
        order.add("listener");
      }
    };
    Reclaimer.addListener(l);
    try {
      Marker m = new Marker();
      int id = System.identityHashCode(m);
      WeakRef<Marker> wr = new WeakRef<>(m, r -> order.add("callback"));
      m = null;
      Reclaimer.collect();
      assertEquals(1, events.size());
      assertEquals(id, events.get(0).identityHash());
      assertEquals(1, events.get(0).callbacks());
      assertEquals(List.of("callback", "listener"), order);
      assertNull(wr.get());
    } finally {
      assertTrue(Reclaimer.removeListener(l));
    }
  }

  static final class Marker {}

  @Test
  void engineReference_reclaimedRunsOnEngineThreadBeforeCollectReturns() {
    List<String> seen = new CopyOnWriteArrayList<>();
    Object o = new Object();
    EngineReference<Object> er = new EngineReference<>(o) {
      @Override
      protected void reclaimed() {
        seen.add(Thread.currentThread().getName());
      }
    };
    o = null;
    Reclaimer.collect();
    assertEquals(List.of("weakref-reclaimer"), seen);
    assertNull(er.get());
  }

  @Test
  void collect_waitsForEveryReferenceOfABurstLargerThanABatch() {
    int b = ReclaimLoop.BATCH_MAX;
    for (int n : new int[] {b - 1, b, b + 1, 2 * b, 40 * b + 7}) {
      AtomicInteger ran = new AtomicInteger();
      List<EngineReference<Object>> refs = countingRefsToGarbage(n, ran);
      Reclaimer.collect();
      assertEquals(n, ran.get(), "references reclaimed before collect() returned, of " + n);
      assertEquals(n, refs.size());
    }
  }

  /** Engine references whose referents are already garbage; each counts its reclamation. */
  private static List<EngineReference<Object>> countingRefsToGarbage(int n, AtomicInteger ran) {
    List<EngineReference<Object>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(new EngineReference<>(new Object()) {
        @Override
        protected void reclaimed() {
          ran.incrementAndGet();
        }
      });
    }
    return refs;
  }

  @Test
  void engineReference_isNotCountedPerReferent() {
    Object o = new Object();
    EngineReference<Object> er = new EngineReference<>(o) {
      @Override
      protected void reclaimed() {}
    };
    assertEquals(0, Reclaimer.weakRefCount(o));
    assertSame(o, er.get());
  }

  @Test
  void objectThatOutlivesItsRefs_keepsNoRecordOfThem() {
    Object o = new Object();
    for (int i = 0; i < 100; i++) {
      garbageRefsTo(o);
    }
    assertTrue(Tracking.hasRecord(o));
    Reclaimer.collect();
    Reclaimer.collect();
    assertEquals(0, Reclaimer.weakRefCount(o));
    assertTrue(!Tracking.hasRecord(o), "the record of an object whose refs all died is retired");
    // and the object can get refs again, which work as usual
    List<String> fired = new CopyOnWriteArrayList<>();
    WeakRef<Object> again = new WeakRef<>(o, r -> fired.add("again"));
    assertEquals(1, Reclaimer.weakRefCount(o));
    o = null;
    Reclaimer.collect();
    assertEquals(List.of("again"), fired);
    assertNull(again.get());
  }

  @Test
  void objectWhoseRefsOutliveAFewCollections_stillHasItsRecordRetiredLater() {
    Object o = new Object();
    List<WeakRef<Object>> refs = new ArrayList<>();
    refs.add(new WeakRef<>(o));
    refs.add(new WeakRef<>(o, r -> {}));
    Reclaimer.collect();
    Reclaimer.collect(); // the cells have been swept alive: now tenured, on the engine's queue
    assertTrue(Tracking.hasRecord(o));
    refs.clear();
    for (int i = 0; i < 20 && Tracking.hasRecord(o); i++) {
      Reclaimer.collect(); // swept again after 1, 2, 4, ... collections
    }
    assertTrue(!Tracking.hasRecord(o), "the record was retired once its refs had died");
    assertEquals(0, Reclaimer.weakRefCount(o));
  }

  private static void garbageRefsTo(Object o) {
    new WeakRef<>(o);
    new WeakRef<>(o, r -> {});
  }

  @Test
  void concurrentCreationAndSweeps_loseNoRef() throws Exception {
    Object[] holder = {new Object()};
    int threads = 2;
    int perThread = 20_000;
    List<WeakRef<Object>> kept = new CopyOnWriteArrayList<>();
    AtomicInteger fired = new AtomicInteger();
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] = new Thread(() -> {
        Object o = holder[0];
        for (int i = 0; i < perThread; i++) {
          if (i % 100 == 0) {
            kept.add(new WeakRef<>(o, r -> fired.incrementAndGet()));
          } else {
            new WeakRef<>(o, r -> fired.addAndGet(1_000_000));
          }
        }
      });
      ts[t].start();
    }
    for (int i = 0; i < 5; i++) {
      Reclaimer.collect(); // sweeps run while the threads push
    }
    for (Thread t : ts) {
      t.join();
    }
    Reclaimer.collect();
    assertEquals(kept.size(), Reclaimer.weakRefCount(holder[0]));
    holder[0] = null;
    Reclaimer.collect();
    assertEquals(kept.size(), fired.get(), "every kept ref fired once, no dropped one did");
  }

  /** Loaded a second time, by a throwaway loader, in the class-loader test. */
  public static final class Throwaway {
    public Throwaway() {}
  }

  @Test
  void refsToObjectsOfAThrowawayLoader_doNotPinTheLoaderOnceReclaimed() throws Exception {
    java.lang.ref.WeakReference<ClassLoader> loaderRef = refsInThrowawayLoader();
    for (int i = 0; i < 10 && loaderRef.get() != null; i++) {
      Reclaimer.collect(); // the loader goes once its class's instances and their records are gone
    }
    assertNull(loaderRef.get(), "the engine pinned the throwaway class loader");
  }

  private static java.lang.ref.WeakReference<ClassLoader> refsInThrowawayLoader() throws Exception {
    String name = Throwaway.class.getName();
    byte[] bytes;
    try (java.io.InputStream in = ReclaimerTest.class.getClassLoader()
        .getResourceAsStream(name.replace('.', '/') + ".class")) {
      bytes = in.readAllBytes();
    }
    ClassLoader loader = new ClassLoader(null) {
      @Override
      protected Class<?> findClass(String n) throws ClassNotFoundException {
        if (!n.equals(name)) {
          throw new ClassNotFoundException(n);
        }
        return defineClass(n, bytes, 0, bytes.length);
      }
    };
    Object o = loader.loadClass(name).getDeclaredConstructor().newInstance();
    assertTrue(o.getClass().getClassLoader() == loader);
    AtomicInteger fired = new AtomicInteger();
    WeakRef<Object> wr = new WeakRef<>(o, r -> fired.incrementAndGet());
    WeakRef.of(o);
    assertEquals(2, Reclaimer.weakRefCount(o));
    Reclaimer.collect(); // the cells are swept alive: now tenured, on the engine's queue
    o = null;
    Reclaimer.collect();
    assertEquals(1, fired.get());
    assertNull(wr.get());
    return new java.lang.ref.WeakReference<>(loader);
  }
}
