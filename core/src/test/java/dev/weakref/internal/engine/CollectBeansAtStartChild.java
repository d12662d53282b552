package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM of {@link CollectBeansAtStartTest}: starts the engine thread without calling
 * {@code collect()} (as a first registration does), waits until it has processed a sentinel put on
 * its queue by hand (no collection) and for the MBean's registration, as the first
 * {@code collect()} does, then prints whether the beans that {@code collect()} reads have been read.
 */
public final class CollectBeansAtStartChild {
  private CollectBeansAtStartChild() {}

  public static void main(String[] args) throws InterruptedException {
    Object token = Engine.token(); // starts the engine thread
    Sentinel sentinel = new Sentinel(Engine.QUEUE);
    sentinel.enqueue(); // taken, then signalled at the end of the engine's batch
    boolean processed = sentinel.done.await(60, TimeUnit.SECONDS);
    EngineBean.awaitRegistration(60_000); // the first collect() waits so, and no longer
    System.out.println("processed " + processed + ", beans read " + CollectBarrier.wholeHeapRead());
    Reference.reachabilityFence(token);
  }
}
