package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * At most once over every order of {@code call()}, {@code detach()} and reclamation, each done
 * twice, as the JDK's {@code CleanerTest} does for {@code clean()} and reclamation. The exit run is
 * covered by {@link FinalizerExitTest}.
 */
final class FinalizerPermutationTest {

  enum Step { CALL, DETACH, RECLAIM }

  /** Holds the object so that RECLAIM can drop it. */
  static final class Holder {
    Object obj = new Object();
  }

  @Test
  void everyOrderOfCallDetachAndReclaim_runsTheFunctionAtMostOnce() {
    List<List<Step>> orders = new ArrayList<>();
    permutations(List.of(Step.CALL, Step.DETACH, Step.RECLAIM, Step.CALL, Step.DETACH,
        Step.RECLAIM), new ArrayList<>(), new boolean[6], orders);
    for (List<Step> order : orders) {
      AtomicInteger runs = new AtomicInteger();
      Holder holder = new Holder();
      Finalizer<Integer> f = Finalizer.of(holder.obj, runs::incrementAndGet);
      Step first = null; // the first step that could kill it decides the outcome
      for (Step step : order) {
        switch (step) {
          case CALL -> {
            Integer result = f.call();
            if (first == null) {
              first = step;
              assertEquals(1, result, order.toString());
            } else {
              assertNull(result, order.toString());
            }
          }
          case DETACH -> {
            Finalizer.Info info = f.detach();
            if (first == null && holder.obj != null) {
              first = step;
              assertEquals(holder.obj, info == null ? null : info.obj(), order.toString());
            } else {
              assertNull(info, order.toString());
            }
          }
          case RECLAIM -> {
            holder.obj = null;
            Reclaimer.collect();
            if (first == null) {
              first = step;
            }
          }
        }
      }
      assertFalse(f.isAlive(), order.toString());
      assertEquals(first == Step.DETACH ? 0 : 1, runs.get(), order.toString());
    }
  }

  private static void permutations(List<Step> steps, List<Step> prefix, boolean[] used,
      List<List<Step>> out) {
    if (prefix.size() == steps.size()) {
      if (!out.contains(prefix)) {
        out.add(new ArrayList<>(prefix));
      }
      return;
    }
    for (int i = 0; i < steps.size(); i++) {
      if (!used[i]) {
        used[i] = true;
        prefix.add(steps.get(i));
        permutations(steps, prefix, used, out);
        prefix.remove(prefix.size() - 1);
        used[i] = false;
      }
    }
  }
}
