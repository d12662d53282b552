package dev.weakref;

import dev.weakref.engine.Reclaimer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM's main for {@code FinalizerExitTest}: {@code System.exit} is called from another
 * thread while objects are being reclaimed. Each finalizer prints its id once, with the thread it
 * ran on; the test checks that every id appears exactly once.
 */
final class FinalizerExitRaceChild {
  static final int N = 20_000;
  static final Object[] OBJECTS = new Object[N];
  static final AtomicInteger RAN = new AtomicInteger();

  private FinalizerExitRaceChild() {}

  public static void main(String[] args) throws InterruptedException {
    for (int i = 0; i < N; i++) {
      OBJECTS[i] = new Object();
      int id = i;
      Finalizer.of(OBJECTS[i], () -> {
        RAN.incrementAndGet();
        System.out.println("ran " + id + " on " + Thread.currentThread().getName());
      });
    }
    System.out.println("registered " + N);
    // Drops the newest half, collecting as it goes; the oldest half stays alive until exit. The exit
    // run goes newest first, so it races the engine for the dropped finalizers not yet reclaimed.
    // The last collection is collect(): a System.gc() may be skipped (Serial, Parallel and G1
    // skip it while a thread is in a JNI critical region), and the exiter waits for an eighth to
    // have run.
    Thread dropper = new Thread(() -> {
      for (int i = N - 1; i >= N / 2; i--) {
        OBJECTS[i] = null;
        if (i % 500 == 499) {
          System.gc();
        }
      }
      Reclaimer.collect();
    }, "dropper");
    // Said in the output the test reads: a dropper that died would leave the exiter waiting.
    dropper.setUncaughtExceptionHandler((t, e) -> System.out.println("dropper threw " + e));
    Thread exiter = new Thread(() -> {
      while (RAN.get() < N / 8) {
        Thread.onSpinWait();
      }
      System.exit(0);
    }, "exiter");
    dropper.start();
    exiter.start();
    new CountDownLatch(1).await(); // System.exit ends this
  }
}
