package dev.weakref.engine;

import dev.weakref.WeakRef;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM's main for {@code EngineStartTest}: starts the engine the way a program does (a ref
 * with a callback, its referent dropped, a {@code collect()}) and prints how many callbacks ran.
 */
public final class EngineStartChild {
  private EngineStartChild() {}

  public static void main(String[] args) {
    AtomicInteger ran = new AtomicInteger();
    WeakRef<Object> ref = dropped(ran);
    Reclaimer.collect();
    System.out.println("callbacks ran: " + ran.get());
    java.lang.ref.Reference.reachabilityFence(ref);
  }

  private static WeakRef<Object> dropped(AtomicInteger ran) {
    return new WeakRef<>(new Object(), r -> ran.incrementAndGet());
  }
}
