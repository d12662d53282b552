package dev.weakref;

import dev.weakref.engine.Reclaimer;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs' mains for {@code FinalizerExitTest}: a finalizer function that calls
 * {@code System.exit}, through {@code call()} ({@link ByCall}) or at reclaim on the engine thread
 * ({@link AtReclaim}). Each prints how long the exit hook took, counted from the function's
 * {@code System.exit}, and whether it gave up waiting for a function still running.
 */
final class FinalizerExitInFunctionChild {
  static final Object KEPT = new StringBuilder("kept");
  private static volatile long exitCalledAt;

  private FinalizerExitInFunctionChild() {}

  /** Prints, from another shutdown hook, what the finalizers' exit hook did and how long it took. */
  private static void reportAfterTheExitHook() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (!FinalizerRef.awaitExitFinished(30_000)) {
          System.out.println("exit hook did not finish");
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exitCalledAt);
      System.out.println("exit hook done, gave up waiting: " + FinalizerRef.inFlightWaitTimedOut());
      System.out.println("exit hook took ms " + ms);
    }));
  }

  private static void exitFrom(String how) {
    System.out.println("exit from " + how + " on " + Thread.currentThread().getName());
    exitCalledAt = System.nanoTime();
    System.exit(3);
  }

  /** A finalizer run by {@code call()} on the main thread calls {@code System.exit}. */
  static final class ByCall {
    private ByCall() {}

    public static void main(String[] args) {
      reportAfterTheExitHook();
      Finalizer.of(KEPT, () -> System.out.println("at exit: other finalizer"));
      Finalizer.of(KEPT, () -> exitFrom("call")).call();
      System.out.println("call returned"); // never: exit does not return
    }
  }

  /** A finalizer run at reclaim, on the engine thread, calls {@code System.exit}. */
  static final class AtReclaim {
    private AtReclaim() {}

    public static void main(String[] args) {
      reportAfterTheExitHook();
      Finalizer.of(KEPT, () -> System.out.println("at exit: other finalizer"));
      registerForGarbage();
      Reclaimer.collect(); // does not return: the JVM exits while the function runs
      System.out.println("collect returned");
    }

    private static void registerForGarbage() {
      Finalizer.of(new StringBuilder("garbage"), () -> exitFrom("reclaim"));
    }
  }

  /**
   * As {@link AtReclaim}, with a listener: the exit hook must not wait for the exiting engine
   * thread to deliver the at-exit finalizer's event either.
   */
  static final class ListeningAtReclaim {
    private ListeningAtReclaim() {}

    public static void main(String[] args) {
      Reclaimer.addListener(events -> {});
      AtReclaim.main(args);
    }
  }
}
