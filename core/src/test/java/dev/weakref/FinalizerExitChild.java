package dev.weakref;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.FinalizerExitHook;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's main for {@code FinalizerExitTest}: finalizers of every kind alive at exit. Prints
 * what runs; the test checks the order and that each line appears exactly once.
 */
final class FinalizerExitChild {
  /** Keeps every object alive to the end: only the exit run may run their finalizers. */
  static final List<Object> KEEP = new ArrayList<>();

  private FinalizerExitChild() {}

  private static Object keep(String name) {
    Object o = new StringBuilder(name);
    KEEP.add(o);
    return o;
  }

  public static void main(String[] args) {
    Reclaimer.setUnraisableHook((error, source) ->
        System.out.println("unraisable: " + error.getMessage()));
    Object o1 = keep("o1");
    Object o7 = keep("o7");
    Finalizer.of(o1, () -> System.out.println("exit f1"));
    Finalizer<Void> f2 = Finalizer.of(keep("o2"), () -> System.out.println("f2 ran (atExit false)"));
    f2.setAtExit(false);
    Finalizer.of(keep("o3"), () -> System.out.println("f3 ran (detached)")).detach();
    Finalizer.of(keep("o4"), () -> System.out.println("call f4")).call();
    Finalizer.of(keep("o5"), () -> {
      System.out.println("exit f5 throws");
      throw new IllegalStateException("f5 failed");
    });
    Finalizer.of(keep("o6"), () -> {
      System.out.println("exit f6");
      Finalizer.of(o7, () -> System.out.println("exit f7 created at exit"));
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (!FinalizerExitHook.awaitExitFinished(30_000)) {
          System.out.println("exit hook did not finish");
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
      System.out.println("after hook: f2() -> " + f2.call() + ", alive " + f2.isAlive());
      Finalizer<String> late = Finalizer.of(o1, () -> "late ran");
      System.out.println("after hook: late() -> " + late.call());
    }));
    System.out.println("main end");
  }
}
