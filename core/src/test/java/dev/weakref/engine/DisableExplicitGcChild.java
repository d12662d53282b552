package dev.weakref.engine;

import dev.weakref.WeakRef;

/**
 * A child JVM's main for {@code DisableExplicitGcTest}, run with {@code -XX:+DisableExplicitGC}:
 * prints how {@link Reclaimer#collect()} failed, from a caller and from a callback, and how long
 * the caller's took.
 */
public final class DisableExplicitGcChild {
  private DisableExplicitGcChild() {}

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    System.out.println("caller: " + outcome());
    System.out.println("ms: " + (System.nanoTime() - t0) / 1_000_000);
    // From a callback, on the engine thread: run by a collection the child forces by allocating.
    String[] inCallback = new String[1];
    Object o = new Object();
    WeakRef<Object> ref = new WeakRef<>(o, r -> inCallback[0] = outcome());
    o = null;
    for (long n = 0; inCallback[0] == null && n < 1_000_000_000L; n++) {
      byte[] garbage = new byte[1024]; // young collections clear the referent, without System.gc()
      garbage[0] = 1;
      Thread.onSpinWait();
    }
    System.out.println("callback: " + inCallback[0]);
    java.lang.ref.Reference.reachabilityFence(ref);
  }

  private static String outcome() {
    try {
      Reclaimer.collect();
      return "returned";
    } catch (IllegalStateException e) {
      return "threw " + e.getMessage();
    }
  }
}
