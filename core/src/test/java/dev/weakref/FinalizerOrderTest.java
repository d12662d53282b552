package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The finalizers of one object run newest first when it is reclaimed, as CPython's {@code finalize}
 * does, whatever the collector: run these under each HotSpot collector with
 * {@code -Dsurefire.argLine="-Xmx512m -XX:+UseParallelGC"} (or G1, Z, Shenandoah).
 */
final class FinalizerOrderTest {

  /** An object to finalize. */
  static final class A {}

  /** The live finalizers of one object: the ones still alive when it was dropped. */
  private static final class Handles {
    final Finalizer<?> f2;
    final Finalizer<?> f3;
    final Finalizer<?> f5;

    Handles(Finalizer<?> f2, Finalizer<?> f3, Finalizer<?> f5) {
      this.f2 = f2;
      this.f3 = f3;
      this.f5 = f5;
    }
  }

  /**
   * CPython's {@code test_order}, steps up to {@code del a}: five finalizers, the handles of f1 and
   * f4 dropped, f5 detached, f3 called. Not inline in the test so that {@code a} is unreachable
   * once this returns.
   */
  private static Handles registerFive(List<String> res) {
    A a = new A();
    Finalizer.of(a, () -> {
      res.add("f1");
    });
    Finalizer<Void> f2 = Finalizer.of(a, () -> {
      res.add("f2");
    });
    Finalizer<Void> f3 = Finalizer.of(a, () -> {
      res.add("f3");
    });
    Finalizer.of(a, () -> {
      res.add("f4");
    });
    Finalizer<Void> f5 = Finalizer.of(a, () -> {
      res.add("f5");
    });

    assertTrue(f2.isAlive());
    assertTrue(f3.isAlive());
    assertTrue(f5.isAlive());

    assertNotNull(f5.detach());
    assertFalse(f5.isAlive());

    assertNull(f5.call()); // nothing: detached before
    res.add("A");
    f3.call(); // f3
    assertFalse(f3.isAlive());
    res.add("B");
    assertNull(f3.call()); // nothing: called before
    res.add("C");
    return new Handles(f2, f3, f5);
  }

  @Test
  void order_cpythonTestOrder_aliveFinalizersRunNewestFirstAtReclaim() {
    List<String> res = new CopyOnWriteArrayList<>();
    Handles h = registerFive(res);
    Reclaimer.collect(); // f4, f2, f1
    assertFalse(h.f2.isAlive());
    res.add("D");
    assertNull(h.f2.call()); // nothing: run at reclaim
    assertEquals(List.of("A", "f3", "B", "C", "f4", "f2", "f1", "D"), res);
  }

  /**
   * Registers {@code perObject} finalizers of all three kinds (and two handed the same function) on
   * each of {@code objects} objects, detaches or calls some, and returns what each object's
   * finalizers must log at reclaim, newest first; the objects are garbage once this returns.
   */
  private static Map<Integer, List<String>> registerMany(
      int objects, int perObject, Map<Integer, List<String>> log) {
    Map<Integer, List<String>> expected = new ConcurrentHashMap<>();
    for (int o = 0; o < objects; o++) {
      A a = new A();
      List<String> objLog = new CopyOnWriteArrayList<>();
      log.put(o, objLog);
      List<String> alive = new ArrayList<>();
      for (int k = 0; k < perObject; k++) {
        String name = "f" + k;
        Finalizer<?> f;
        switch (k % 3) {
          case 0:
            f = Finalizer.of(a, () -> {
              objLog.add(name); // a Runnable
            });
            break;
          case 1:
            f = Finalizer.of(a, () -> objLog.add(name)); // a Callable: add returns a boolean
            break;
          default:
            f = Finalizer.of(a, args -> objLog.add((String) args[0]), name);
            break;
        }
        int fate = (o + k) % 5;
        if (fate == 0) {
          f.detach();
        } else if (fate == 1 && k > 0) {
          f.call(); // runs now, on this thread, and not again at reclaim
          objLog.remove(name);
        } else {
          alive.add(0, name); // its handle dropped: a finalizer keeps itself alive
        }
      }
      expected.put(o, alive);
    }
    assertEquals(objects, log.size());
    return expected;
  }

  @Test
  void order_manyObjectsWithManyFinalizers_eachObjectsRunNewestFirst() {
    Map<Integer, List<String>> log = new ConcurrentHashMap<>();
    // Enough finalizers for the reference handler to enqueue them over several engine batches.
    Map<Integer, List<String>> expected = registerMany(400, 6, log);
    Reclaimer.collect();
    for (Map.Entry<Integer, List<String>> e : expected.entrySet()) {
      assertEquals(e.getValue(), log.get(e.getKey()), "object " + e.getKey());
    }
  }

  @Test
  void order_twoFinalizersOfDifferentKinds_newestFirst_manyTimes() {
    for (int round = 0; round < 20; round++) {
      List<String> res = new CopyOnWriteArrayList<>();
      registerTwoKinds(res);
      Reclaimer.collect();
      assertEquals(List.of("callable", "runnable"), res, "round " + round);
    }
  }

  private static void registerTwoKinds(List<String> res) {
    A a = new A();
    Finalizer.of(a, () -> {
      res.add("runnable");
    });
    Finalizer.of(a, () -> res.add("callable"));
  }

  @Test
  void order_finalizerAddedAfterOthersRanOrWereDetached_stillNewestFirst() {
    List<String> res = new CopyOnWriteArrayList<>();
    registerAfterCalls(res);
    Reclaimer.collect();
    assertEquals(List.of("called f1", "f4", "f2"), res);
  }

  private static void registerAfterCalls(List<String> res) {
    A a = new A();
    Finalizer.of(a, () -> res.add("called f1")).call();
    Finalizer.of(a, () -> {
      res.add("f2");
    });
    Finalizer.of(a, () -> res.add("detached f3")).detach();
    Finalizer.of(a, () -> {
      res.add("f4");
    });
  }

  @Test
  void order_bookkeeping_isLetGoOnceTheObjectsAreReclaimed() {
    for (int i = 0; i < 3000; i++) {
      registerGarbage(i % 3 == 0 ? 3 : 1); // a third of the objects have a group
    }
    Reclaimer.collect();
    int live = FinalizerRef.registered(new int[1]).size(); // other tests' live finalizers
    int[] stats = FinalizerRef.indexStats();
    // Stale entries are dropped once they are most of the table: at most 4 per live one, + slack.
    assertTrue(stats[0] <= 4 * live + 64 + 1, "index entries " + stats[0] + ", live " + live);
    assertTrue(stats[1] <= live, "grouped " + stats[1] + ", live " + live);
  }

  private static void registerGarbage(int finalizers) {
    A a = new A();
    for (int k = 0; k < finalizers; k++) {
      Finalizer.of(a, () -> { });
    }
  }
}
