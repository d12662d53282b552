package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Reclaimer#collect()} called from a callback or a finalizer, on the engine thread: it forces
 * the collection, runs what that caused right there, each callback once, and returns (CPython
 * allows {@code gc.collect()} in a callback). Before, it threw {@link IllegalStateException}.
 */
final class NestedCollectTest {

  private final List<Throwable> failures = new CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.BeforeEach
  void recordFailures() {
    Reclaimer.setUnraisableHook((e, source) -> failures.add(e));
  }

  @AfterEach
  void restoreHookAndCheck() {
    Reclaimer.setUnraisableHook(null);
    assertEquals(List.of(), failures, "callbacks threw");
  }

  @Test
  void collectInACallback_runsTheCallbacksOfWhatItsCollectionReclaimed_thenReturns() {
    List<String> order = new CopyOnWriteArrayList<>();
    Object[] holder = {new Object()}; // b's referent: its last strong reference, dropped by a's callback
    WeakRef<Object> b = new WeakRef<>(holder[0], r -> order.add("b"));
    WeakRef<Object> a = refToGarbage(r -> {
      holder[0] = null;
      order.add("a calls collect()");
      Reclaimer.collect();
      order.add("a's collect() returned");
    });
    Reclaimer.collect();
    assertEquals(List.of("a calls collect()", "b", "a's collect() returned"), order);
    assertNull(a.get());
    assertNull(b.get());
  }

  @Test
  void collectInACallback_runsTheRestOfItsBatchFirst_eachCallbackOnce() {
    int n = 1000;
    AtomicInteger[] runs = new AtomicInteger[n];
    AtomicInteger ranBeforeNestedReturned = new AtomicInteger(-1);
    AtomicInteger total = new AtomicInteger();
    List<WeakRef<Object>> refs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      AtomicInteger mine = runs[i] = new AtomicInteger();
      boolean caller = i == n / 2;
      refs.add(refToGarbage(r -> {
        mine.incrementAndGet();
        total.incrementAndGet();
        if (caller) {
          Reclaimer.collect(); // the others were cleared by the same collection as this one
          ranBeforeNestedReturned.set(total.get());
        }
      }));
    }
    Reclaimer.collect();
    assertEquals(n, ranBeforeNestedReturned.get(),
        "the nested collect() returned before every callback of its collection had run");
    for (int i = 0; i < n; i++) {
      assertEquals(1, runs[i].get(), "callback " + i + " ran " + runs[i].get() + " times");
    }
    assertEquals(n, refs.size());
  }

  @Test
  void collectInAFinalizer_works() {
    AtomicReference<String> seen = new AtomicReference<>();
    Object[] holder = {new Object()};
    AtomicInteger other = new AtomicInteger();
    WeakRef<Object> b = new WeakRef<>(holder[0], r -> other.incrementAndGet());
    finalizerOfGarbage(() -> {
      holder[0] = null;
      Reclaimer.collect();
      seen.set("other ran " + other.get());
    });
    Reclaimer.collect();
    assertEquals("other ran 1", seen.get());
    assertNull(b.get());
  }

  /** A chain: each callback makes the next link's referent garbage and calls collect() again. */
  @Test
  void nestedCollects_areBoundedAndThePastTheBoundOneThrowsNamingTheDepth() {
    List<String> depths = new CopyOnWriteArrayList<>();
    List<String> refused = new CopyOnWriteArrayList<>();
    List<WeakRef<Object>> chain = new CopyOnWriteArrayList<>();
    chain.add(link(1, depths, refused, chain));
    Reclaimer.collect();
    int max = ReclaimLoop.MAX_NESTED_COLLECTS;
    assertEquals(max + 1, depths.size(), "links run: " + depths);
    for (int d = 1; d <= max + 1; d++) {
      assertEquals("link " + d, depths.get(d - 1));
    }
    assertEquals(1, refused.size(), "refused: " + refused);
    assertTrue(refused.get(0).contains("nested " + (max + 1) + " deep"), refused.get(0));
    assertTrue(refused.get(0).contains("at most " + max), refused.get(0));
  }

  private static WeakRef<Object> link(int depth, List<String> depths, List<String> refused,
      List<WeakRef<Object>> chain) {
    return refToGarbage(r -> {
      depths.add("link " + depth);
      if (depth <= ReclaimLoop.MAX_NESTED_COLLECTS) { // the last link starts no other: no endless chain
        chain.add(link(depth + 1, depths, refused, chain));
      }
      try {
        Reclaimer.collect();
      } catch (IllegalStateException e) {
        refused.add(e.getMessage());
      }
    });
  }

  private static WeakRef<Object> refToGarbage(java.util.function.Consumer<WeakRef<Object>> cb) {
    return new WeakRef<>(new Object(), cb::accept);
  }

  private static void finalizerOfGarbage(Runnable fn) {
    Finalizer.of(new Object(), fn);
  }
}
