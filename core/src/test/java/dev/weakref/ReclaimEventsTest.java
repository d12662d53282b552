package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.ReclaimEvent;
import dev.weakref.engine.ReclaimEvent.Kind;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.UnraisableCapture;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One {@link ReclaimEvent} for every kind of reclaim, with the right fields, and the listener API. */
class ReclaimEventsTest {
  static final class ByRef {}

  static final class ByProxy implements Runnable {
    @Override
    public void run() {}
  }

  static final class ByMethod {
    void act() {}
  }

  static final class Finalized {}

  static final class Key {}

  private static final Function<ByMethod, Runnable> ACT = m -> m::act;

  private final List<ReclaimEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> threads = new CopyOnWriteArrayList<>();
  private ReclaimRegistration registration;

  @BeforeEach
  void listen() {
    Reclaimer.collect(); // what earlier tests left behind is reclaimed before we listen
    registration = Reclaimer.addListener(e -> {
      events.add(e);
      threads.add(Thread.currentThread().getName());
    });
  }

  @AfterEach
  void stopListening() {
    registration.close();
  }

  private List<ReclaimEvent> of(Kind kind) {
    List<ReclaimEvent> out = new ArrayList<>();
    for (ReclaimEvent e : events) {
      if (e.kind() == kind) {
        out.add(e);
      }
    }
    return out;
  }

  private ReclaimEvent single(Class<?> type) {
    List<ReclaimEvent> out = new ArrayList<>();
    for (ReclaimEvent e : events) {
      if (e.referentType() == type) {
        out.add(e);
      }
    }
    assertEquals(1, out.size(), () -> "events for " + type.getSimpleName() + ": " + events);
    return out.get(0);
  }

  @Test
  void refProxyAndWeakMethod_oneReferentEventEach_withClassHashAndCallbacks() {
    ByRef r = new ByRef();
    ByProxy p = new ByProxy();
    ByMethod m = new ByMethod();
    int rHash = System.identityHashCode(r);
    int pHash = System.identityHashCode(p);
    int mHash = System.identityHashCode(m);
    List<String> order = new CopyOnWriteArrayList<>();
    WeakRef<ByRef> ref = new WeakRef<>(r, x -> order.add("callback"));
    WeakRef<ByRef> second = new WeakRef<>(r);
    Runnable proxy = WeakProxy.of(p, Runnable.class);
    WeakMethod<Runnable> method = WeakMethod.of(m, ACT);
    r = null;
    p = null;
    m = null;
    Reclaimer.collect();

    ReclaimEvent re = single(ByRef.class);
    assertEquals(Kind.REFERENT, re.kind());
    assertEquals(rHash, re.identityHash());
    assertEquals(1, re.callbacks()); // two refs, one with a callback: one event for the referent
    assertTrue(re.referentKnown());
    assertEquals(List.of("callback"), order);
    ReclaimEvent pe = single(ByProxy.class);
    assertEquals(Kind.REFERENT, pe.kind());
    assertEquals(pHash, pe.identityHash());
    ReclaimEvent me = single(ByMethod.class);
    assertEquals(Kind.REFERENT, me.kind());
    assertEquals(mHash, me.identityHash());
    assertNull(ref.get());
    assertNull(second.get());
    assertNull(method.get());
    assertNotNull(proxy);
    assertEquals(List.of("weakref-reclaimer"), threads.stream().distinct().toList());
  }

  @Test
  void finalizerRunByReclaim_reportsItsKindButNoClass() {
    Finalizer<Void> f = finalizerToGarbage();
    Reclaimer.collect();
    assertFalse(f.isAlive());
    List<ReclaimEvent> fin = of(Kind.FINALIZER_RECLAIMED);
    assertEquals(1, fin.size(), events::toString);
    ReclaimEvent e = fin.get(0);
    assertEquals(Object.class, e.referentType()); // not recoverable without a field per finalizer
    assertEquals(0, e.identityHash());
    assertFalse(e.referentKnown());
    assertEquals(1, e.callbacks());
    assertTrue(e.kind().isFinalizer());
  }

  private static Finalizer<Void> finalizerToGarbage() {
    return Finalizer.of(new Finalized(), () -> {});
  }

  @Test
  void finalizerRunByCall_reportsItsObjectOnTheEngineThread() {
    Finalized o = new Finalized();
    List<String> ran = new CopyOnWriteArrayList<>();
    Finalizer<Void> f = Finalizer.of(o, (Runnable) () -> ran.add(Thread.currentThread().getName()));
    f.call();
    f.call(); // runs once, so reports once
    Reclaimer.collect(); // the event is delivered by the engine thread before collect() returns
    assertEquals(List.of(Thread.currentThread().getName()), ran);
    ReclaimEvent e = single(Finalized.class);
    assertEquals(Kind.FINALIZER_CALLED, e.kind());
    assertEquals(System.identityHashCode(o), e.identityHash());
    assertEquals(List.of("weakref-reclaimer"), threads.stream().distinct().toList());
    o = null;
    Reclaimer.collect();
    assertEquals(1, events.size(), events::toString); // a called finalizer is not reported again
  }

  @Test
  void finalizerCalledInsideACallback_isReportedToo() {
    Finalized o = new Finalized();
    Finalizer<Void> f = Finalizer.of(o, () -> {});
    WeakRef<ByRef> trigger = refToGarbage(x -> f.call());
    Reclaimer.collect();
    assertFalse(f.isAlive());
    assertEquals(1, of(Kind.FINALIZER_CALLED).size(), events::toString);
    assertEquals(1, of(Kind.REFERENT).size(), events::toString);
    assertNull(trigger.get());
  }

  private static WeakRef<ByRef> refToGarbage(java.util.function.Consumer<WeakRef<ByRef>> cb) {
    return new WeakRef<>(new ByRef(), cb);
  }

  @Test
  void finalizersRunAtExit_areDeliveredBeforeTheJvmHalts() throws Exception {
    ChildJvm.Result r = ChildJvm.run(ReclaimEventsExitChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    List<String> out = r.stdout();
    assertEquals("main end", out.get(0));
    assertEquals(7, out.size(), out::toString);
    for (int i = 2; i >= 0; i--) { // newest first, each followed by its event
      int at = out.indexOf("exit f" + i);
      assertTrue(at > 0, out::toString);
      assertEquals("event FINALIZER_AT_EXIT StringBuilder on weakref-reclaimer", out.get(at + 1));
    }
  }

  @Test
  void containerEntries_reportTheContainerKind() {
    WeakKeyDictionary<Key, String> wkd = new WeakKeyDictionary<>();
    WeakValueDictionary<String, Key> wvd = new WeakValueDictionary<>();
    WeakSet<Key> set = new WeakSet<>();
    WeakSet<Key> identitySet = WeakSet.identity();
    fill(wkd, wvd, set, identitySet);
    Key kept = new Key();
    wkd.put(kept, "kept");
    Reclaimer.collect();
    assertEquals(3, of(Kind.WEAK_KEY).size(), events::toString);
    assertEquals(2, of(Kind.WEAK_VALUE).size(), events::toString);
    assertEquals(2, of(Kind.WEAK_SET_ELEMENT).size(), events::toString);
    assertEquals(7, events.size(), events::toString);
    for (ReclaimEvent e : events) {
      assertTrue(e.kind().isContainerEntry());
      assertFalse(e.referentKnown());
      assertEquals(Object.class, e.referentType());
      assertEquals(0, e.callbacks());
    }
    assertEquals(1, wkd.size());
    assertEquals("kept", wkd.get(kept));
  }

  private static void fill(WeakKeyDictionary<Key, String> wkd, WeakValueDictionary<String, Key> wvd,
      WeakSet<Key> set, WeakSet<Key> identitySet) {
    for (int i = 0; i < 3; i++) {
      wkd.put(new Key(), "v" + i);
    }
    wvd.put("a", new Key());
    wvd.put("b", new Key());
    set.add(new Key());
    identitySet.add(new Key());
  }

  @Test
  void sequenceCountsEveryEventOnce_andTimestampsNeverDecrease() {
    long before = System.nanoTime();
    for (int round = 0; round < 3; round++) {
      List<WeakRef<ByRef>> refs = refsToGarbage(300); // more than one batch of 256
      Reclaimer.collect();
      Reference.reachabilityFence(refs);
    }
    long after = System.nanoTime();
    List<ReclaimEvent> mine = new ArrayList<>();
    for (ReclaimEvent e : events) {
      if (e.referentType() == ByRef.class) {
        mine.add(e);
      }
    }
    assertEquals(900, mine.size());
    for (int i = 1; i < events.size(); i++) {
      ReclaimEvent a = events.get(i - 1);
      ReclaimEvent b = events.get(i);
      assertEquals(a.sequence() + 1, b.sequence(), "one listener sees every sequence number in order");
      assertTrue(b.timestampNanos() - a.timestampNanos() >= 0, "timestamps are monotonic");
    }
    assertTrue(events.get(0).timestampNanos() - before >= 0);
    assertTrue(after - events.get(events.size() - 1).timestampNanos() >= 0);
  }

  private static List<WeakRef<ByRef>> refsToGarbage(int n) {
    List<WeakRef<ByRef>> refs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      refs.add(new WeakRef<>(new ByRef()));
    }
    return refs; // kept by the caller: a referent is reported if one of its refs is still alive
  }

  @Test
  void registration_closedTwiceIsHarmless_andEachRegistrationIsItsOwn() {
    List<ReclaimEvent> seen = new CopyOnWriteArrayList<>();
    ReclaimListener l = seen::add;
    ReclaimRegistration first = Reclaimer.addListener(l);
    ReclaimRegistration second = Reclaimer.addListener(l);
    WeakRef<ByRef> a = refToGarbage(null);
    Reclaimer.collect();
    assertEquals(2, seen.size(), "each registration delivers the event");
    first.close();
    first.close(); // harmless: does not remove the second registration
    WeakRef<ByRef> b = refToGarbage(null);
    Reclaimer.collect();
    assertEquals(3, seen.size());
    assertTrue(Reclaimer.removeListener(l)); // the legacy way removes the remaining one
    assertFalse(Reclaimer.removeListener(l));
    second.close(); // already removed: nothing happens
    WeakRef<ByRef> c = refToGarbage(null);
    Reclaimer.collect();
    assertEquals(3, seen.size());
    assertNull(a.get());
    assertNull(b.get());
    assertNull(c.get());
  }

  @Test
  void aThrowingListener_isReported_andOthersStillHearEveryEvent() {
    List<ReclaimEvent> partial = new CopyOnWriteArrayList<>();
    try (UnraisableCapture unraisable = UnraisableCapture.start();
        ReclaimRegistration bad = Reclaimer.addListener(e -> {
          if (partial.size() % 2 == 0) {
            partial.add(e);
            throw new IllegalStateException("listener failure");
          }
          partial.add(e);
        })) {
      List<WeakRef<ByRef>> refs = refsToGarbage(4);
      Reclaimer.collect();
      assertEquals(4, partial.size(), "a failing onReclaim does not stop the rest of its batch");
      assertEquals(2, unraisable.errors().size());
      assertEquals(4, of(Kind.REFERENT).size());
      assertEquals(4, refs.size());
    }
  }

  @Test
  void aBatchListener_getsTheBatchesOfTheEngine() {
    List<List<ReclaimEvent>> batches = new CopyOnWriteArrayList<>();
    ReclaimRegistration r = Reclaimer.addListener(new ReclaimListener() {
      @Override
      public void onReclaim(ReclaimEvent event) {
        throw new AssertionError("the batch method is overridden");
      }

      @Override
      public void onReclaimBatch(List<ReclaimEvent> events) {
        batches.add(events);
      }
    });
    try {
      List<WeakRef<ByRef>> refs = refsToGarbage(600);
      Reclaimer.collect();
      Reference.reachabilityFence(refs);
      int total = 0;
      for (List<ReclaimEvent> b : batches) {
        assertFalse(b.isEmpty());
        assertTrue(b.size() <= 256, "at most 256 events a batch");
        total += b.size();
      }
      assertEquals(600, total);
      assertEquals(of(Kind.REFERENT).size(), total);
    } finally {
      r.close();
    }
  }

  /**
   * More than a buffer's worth of events caused by a listener's {@code collect()} still reach every
   * listener in sequence order, one batch at a time: none runs inside itself, and none hears of the
   * newer batch before the older one (the full buffer used to be flushed right inside the listener).
   */
  @Test
  void manyEventsCausedByACollectInAListener_areDeliveredInSequence_neverReentrantly() {
    AtomicBoolean once = new AtomicBoolean();
    AtomicInteger depth = new AtomicInteger();
    AtomicInteger maxDepth = new AtomicInteger();
    ReclaimRegistration first = Reclaimer.addListener(new ReclaimListener() {
      @Override
      public void onReclaim(ReclaimEvent event) {}

      @Override
      public void onReclaimBatch(List<ReclaimEvent> batch) {
        maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
        try {
          if (once.compareAndSet(false, true)) {
            List<WeakRef<ByRef>> refs = refsToGarbage(600); // more than two buffers' worth
            Reclaimer.collect();
            Reference.reachabilityFence(refs);
          }
        } finally {
          depth.decrementAndGet();
        }
      }
    });
    List<ReclaimEvent> second = new CopyOnWriteArrayList<>();
    ReclaimRegistration r = Reclaimer.addListener(second::add);
    try {
      List<WeakRef<ByRef>> refs = refsToGarbage(1);
      Reclaimer.collect();
      Reference.reachabilityFence(refs);
      assertTrue(once.get());
      assertEquals(1, maxDepth.get(), "a listener ran inside itself");
      assertTrue(second.size() >= 601, "events: " + second.size());
      for (int i = 1; i < second.size(); i++) {
        assertTrue(second.get(i - 1).sequence() < second.get(i).sequence(),
            "out of sequence at " + i + ": " + second.get(i - 1) + ", " + second.get(i));
      }
    } finally {
      first.close();
      r.close();
    }
  }
}
