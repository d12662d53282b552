package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child JVM of {@link EngineEndDrainTest}: the engine thread, held in a reference's processing,
 * finds under its cleared {@link Engine.Generation} a thousand references left on its queue, whose
 * processing does nothing but count (as a container's entry removed while pending, or a closed
 * ReclaimQueue's, would). Prints how many were processed once the thread has ended.
 *
 * <p>The generation is cleared and enqueued by hand, as the collector would once nothing held its
 * token, but with no collection: a collection would enqueue the sweeps' canary too, whose sweep
 * waits for an empty queue and so hides what is left. Only a JVM of its own may do this: a token
 * held elsewhere would be served by no thread.
 */
public final class EngineEndDrainChild {
  private EngineEndDrainChild() {}

  static final int LEFT = 1000;

  public static void main(String[] args) throws Exception {
    Object token = Engine.token(); // starts the engine thread
    Field field = Engine.class.getDeclaredField("generation");
    field.setAccessible(true);
    Engine.Generation generation = (Engine.Generation) field.get(null);
    CountDownLatch release = Probe.holdEngine();
    List<Object> referents = new ArrayList<>();
    AtomicInteger processed = new AtomicInteger();
    List<Probe> left = Probe.counting(LEFT, processed, referents);
    for (Probe p : left) {
      p.enqueue();
    }
    generation.enqueue(); // on top of them: the queue is a stack, so the next batch takes it first
    release.countDown();
    Thread engine = Engine.engineThread();
    for (int i = 0; i < 60 && engine.isAlive(); i++) {
      engine.join(1000);
      engine = Engine.engineThread(); // a hand-over may have started a fresh one meanwhile
    }
    System.out.println("engine thread ended: " + !engine.isAlive() + ", processed " + processed.get()
        + " of " + LEFT);
    Reference.reachabilityFence(List.of(token, left, referents));
  }
}
