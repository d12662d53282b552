package dev.weakref;

import dev.weakref.engine.ReclaimEvent.Kind;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's main for {@code ReclaimEventsTest}: a listener and finalizers alive at exit. The
 * listener prints each finalizer event it hears of; the exit run must wait for them.
 */
final class ReclaimEventsExitChild {
  static final List<Object> KEEP = new ArrayList<>();

  private ReclaimEventsExitChild() {}

  public static void main(String[] args) {
    Reclaimer.addListener(e -> {
      if (e.kind() == Kind.FINALIZER_AT_EXIT) {
        System.out.println("event " + e.kind() + " " + e.referentType().getSimpleName() + " on "
            + Thread.currentThread().getName());
      }
    });
    for (int i = 0; i < 3; i++) {
      StringBuilder o = new StringBuilder("o" + i);
      KEEP.add(o);
      String name = "f" + i;
      Finalizer.of(o, () -> System.out.println("exit " + name));
    }
    System.out.println("main end");
  }
}
