package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.AbstractFinalizer;
import dev.weakref.internal.LiveFinalizers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The registry of live finalizers (LiveFinalizers, in chunks) and the reference a finalizer is. */
final class FinalizerRegistryTest {

  /** The finalizers in the registry, newest first; {@code chunks[0]} receives the chunk count. */
  private static List<Finalizer<?>> registered(int[] chunks) {
    List<Finalizer<?>> out = new ArrayList<>();
    for (AbstractFinalizer f : LiveFinalizers.registered(chunks)) {
      out.add((Finalizer<?>) f);
    }
    return out;
  }

  @Test
  void registry_pinsNoChunkPerLongLivedFinalizer_whenShortOnesEndWhileTheirChunkIsNewest() {
    // The explicit-close pattern: one long-lived finalizer, then many closed at once with call().
    List<Object> kept = new ArrayList<>();
    List<Finalizer<Void>> keptFinalizers = new ArrayList<>();
    int[] chunks = new int[1];
    registered(chunks);
    int before = chunks[0];
    try {
      for (int round = 0; round < 100; round++) {
        Object o = new Object();
        kept.add(o);
        keptFinalizers.add(Finalizer.of(o, () -> {}));
        for (int i = 0; i < 127; i++) {
          Finalizer.of(new Object(), () -> {}).call();
        }
      }
      List<Finalizer<?>> live = registered(chunks);
      assertTrue(chunks[0] - before <= 2,
          "100 long-lived finalizers took " + (chunks[0] - before) + " new chunks of 128 places");
      List<Finalizer<?>> newestFirst = new ArrayList<>(keptFinalizers);
      Collections.reverse(newestFirst);
      assertEquals(newestFirst, live.subList(0, 100), "compacting keeps newest first");
    } finally {
      keptFinalizers.forEach(Finalizer::detach);
      java.lang.ref.Reference.reachabilityFence(kept);
    }
    // Detaching found each one at the place compaction gave it.
    assertTrue(registered(chunks).stream().noneMatch(keptFinalizers::contains));
  }

  @Test
  void registry_keepsNewestFirst_andFewChunks_whenMostFinalizersEnd() {
    List<Object> objs = new ArrayList<>();
    List<Finalizer<Void>> all = new ArrayList<>();
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 6400; i++) {
      Object o = new Object();
      objs.add(o);
      all.add(Finalizer.of(o, () -> {
        ran.incrementAndGet();
      }));
    }
    int[] chunks = new int[1];
    registered(chunks);
    int before = chunks[0];
    assertTrue(before >= 50, "6,400 finalizers in " + before + " chunks");

    List<Finalizer<Void>> kept = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      Finalizer<Void> f = all.get(i);
      if (i % 100 == 0) {
        kept.add(f);
      } else if (i % 3 == 0) {
        f.call();
      } else {
        assertSame(objs.get(i), f.detach().obj());
      }
    }
    assertEquals(expectedCalls(), ran.get(), "the called ones ran, the detached ones did not");

    List<Finalizer<?>> now = registered(chunks);
    assertTrue(chunks[0] <= 10, "64 live finalizers left in " + chunks[0] + " chunks");
    Set<Object> mine = Collections.newSetFromMap(new IdentityHashMap<>());
    mine.addAll(all);
    List<Finalizer<?>> mineNow = new ArrayList<>();
    for (Finalizer<?> f : now) {
      if (mine.contains(f)) {
        mineNow.add(f);
      }
    }
    List<Finalizer<Void>> expected = new ArrayList<>(kept);
    Collections.reverse(expected);
    assertEquals(expected, mineNow, "the live ones, newest first");
    for (Finalizer<Void> f : kept) {
      f.detach();
    }
    assertTrue(Collections.disjoint(registered(chunks), mine));
  }

  private static int expectedCalls() {
    int n = 0;
    for (int i = 0; i < 6400; i++) {
      if (i % 100 != 0 && i % 3 == 0) {
        n++;
      }
    }
    return n;
  }

  @Test
  void registry_underConcurrentRegistrationAndEnds_holdsExactlyTheLiveOnes_newestFirst()
      throws Exception {
    int threads = 4;
    int perThread = 5_000;
    List<List<Finalizer<Void>>> made = new ArrayList<>();
    List<Object> keep = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    CyclicBarrier start = new CyclicBarrier(threads);
    for (int t = 0; t < threads; t++) {
      List<Finalizer<Void>> mine = new ArrayList<>();
      made.add(mine);
      Thread th = new Thread(() -> {
        try {
          start.await();
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          for (int i = 0; i < perThread; i++) {
            Object o = new Object();
            keep.add(o);
            mine.add(Finalizer.of(o, () -> {}));
            Finalizer<Void> victim = mine.get(rnd.nextInt(mine.size()));
            int what = rnd.nextInt(10);
            if (what < 4) {
              victim.call();
            } else if (what < 8) {
              victim.detach();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      th.start();
      workers.add(th);
    }
    for (Thread th : workers) {
      th.join();
    }
    assertEquals(List.of(), failures);

    List<Finalizer<?>> registered = registered(new int[1]);
    Set<Object> inRegistry = Collections.newSetFromMap(new IdentityHashMap<>());
    inRegistry.addAll(registered);
    for (List<Finalizer<Void>> mine : made) {
      List<Finalizer<Void>> alive = new ArrayList<>();
      for (Finalizer<Void> f : mine) {
        assertEquals(f.isAlive(), inRegistry.contains(f), "registered exactly while alive: " + f);
        if (f.isAlive()) {
          alive.add(f);
        }
      }
      // One thread's finalizers keep their order among all: newest first.
      Set<Object> these = Collections.newSetFromMap(new IdentityHashMap<>());
      these.addAll(alive);
      List<Finalizer<?>> seen = new ArrayList<>();
      for (Finalizer<?> f : registered) {
        if (these.contains(f)) {
          seen.add(f);
        }
      }
      Collections.reverse(alive);
      assertEquals(alive, seen);
      for (Finalizer<?> f : alive) {
        f.detach();
      }
    }
    assertEquals(threads * perThread, keep.size());
  }

  @Test
  void registry_freesThePlaceOfAReclaimedFinalizer() {
    AtomicInteger ran = new AtomicInteger();
    Finalizer<Void> f = finalizerToGarbage(ran);
    Reclaimer.collect();
    assertEquals(1, ran.get());
    assertFalse(f.isAlive());
    assertFalse(registered(new int[1]).contains(f));
  }

  private static Finalizer<Void> finalizerToGarbage(AtomicInteger ran) {
    return Finalizer.of(new Object(), () -> {
      ran.incrementAndGet();
    });
  }

  @Test
  void finalizerType_exposesNoReferenceMethods() {
    // The reference behind a finalizer is the library's: Finalizer is an interface, as
    // Cleaner.Cleanable is, so get(), clear() and enqueue() are not part of its API.
    assertTrue(Finalizer.class.isInterface());
    assertFalse(java.lang.ref.Reference.class.isAssignableFrom(Finalizer.class));
  }

  @Test
  void behindTheInterface_getReturnsTheObjectWhileAlive_thenNull() {
    Object o = new Object();
    FinalizerRef<Void> f = (FinalizerRef<Void>) Finalizer.of(o, () -> {});
    assertSame(o, f.get());
    f.detach();
    assertNull(f.get());
    Object p = new Object();
    FinalizerRef<Void> g = (FinalizerRef<Void>) Finalizer.of(p, () -> {});
    g.call();
    assertNull(g.get());
  }

  @Test
  void behindTheInterface_clearAndEnqueue_areUnsupported_andChangeNothing() {
    // A caller who casts to Reference still cannot break the finalizer's run-once bookkeeping.
    Object o = new Object();
    AtomicInteger ran = new AtomicInteger();
    FinalizerRef<Void> f = (FinalizerRef<Void>) Finalizer.of(o, () -> {
      ran.incrementAndGet();
    });
    assertTrue(assertThrows(UnsupportedOperationException.class, f::clear).getMessage()
        .contains("detach()"));
    assertTrue(assertThrows(UnsupportedOperationException.class, f::enqueue).getMessage()
        .contains("call()"));
    assertTrue(f.isAlive());
    assertSame(o, f.get());
    f.call();
    assertEquals(1, ran.get());
  }
}
