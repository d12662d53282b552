package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** At most once under races: threads calling and detaching while the objects are reclaimed. */
final class FinalizerStressTest {
  private static final int N = 5_000;
  private static final int THREADS = 3;

  @Test
  void callDetachAndReclaim_race_functionRunsAtMostOnce_andExactlyOnceUnlessDetached()
      throws Exception {
    AtomicIntegerArray runs = new AtomicIntegerArray(N);
    AtomicIntegerArray detached = new AtomicIntegerArray(N);
    Object[] objects = new Object[N];
    List<Finalizer<Integer>> finalizers = new ArrayList<>(N);
    for (int i = 0; i < N; i++) {
      objects[i] = new Object();
      int id = i;
      finalizers.add(Finalizer.of(objects[i], () -> runs.incrementAndGet(id)));
    }
    CyclicBarrier start = new CyclicBarrier(THREADS + 1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          for (int k = 0; k < N; k++) {
            int i = rnd.nextInt(N);
            Finalizer<Integer> f = finalizers.get(i);
            if (rnd.nextInt(4) == 0) {
              if (f.detach() != null) {
                detached.incrementAndGet(i);
              }
            } else if (rnd.nextBoolean()) {
              f.call();
            } else {
              f.peek();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      th.start();
      threads.add(th);
    }
    start.await();
    // Meanwhile, drop the objects and let the engine reclaim them.
    for (int i = 0; i < N; i++) {
      objects[i] = null;
      if (i % 1000 == 999) {
        Reclaimer.collect();
      }
    }
    for (Thread th : threads) {
      th.join();
    }
    Reclaimer.collect();
    assertEquals(List.of(), failures);
    for (int i = 0; i < N; i++) {
      assertEquals(1, runs.get(i) + detached.get(i),
          "finalizer " + i + ": ran " + runs.get(i) + ", detached " + detached.get(i));
      assertFalse(finalizers.get(i).isAlive());
    }
  }
}
