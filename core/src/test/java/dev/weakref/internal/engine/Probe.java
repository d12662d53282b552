package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine reference that runs a body when processed, for tests that put references on the
 * engine's queue by hand ({@code enqueue()}).
 */
final class Probe extends EngineReference<Object> {
  private final Runnable body;

  Probe(Object referent, Runnable body) {
    super(referent);
    this.body = body;
  }

  @Override
  protected void reclaimed() {
    body.run();
  }

  /**
   * Makes {@code n} probes that count their processing in {@code count}, their referents kept in
   * {@code referents}: only {@code enqueue()} puts them on the queue.
   */
  static List<Probe> counting(int n, AtomicInteger count, List<Object> referents) {
    List<Probe> probes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object o = new Object();
      referents.add(o);
      probes.add(new Probe(o, count::incrementAndGet));
    }
    return probes;
  }

  /**
   * Holds the engine thread in a probe's processing until the latch returned is counted down (60 s
   * at most): puts the probe on the queue by hand, and returns once the engine has taken it. The
   * caller must hold an engine token: engine references start no engine thread.
   *
   * @throws AssertionError if the engine did not take the probe within 60 s
   */
  static CountDownLatch holdEngine() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Object referent = new Object();
    Probe blocker = new Probe(referent, () -> {
      entered.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    if (!blocker.enqueue()) {
      throw new AssertionError("the blocker was on the queue already");
    }
    Reference.reachabilityFence(referent); // so that no collection enqueued it before
    if (!entered.await(60, TimeUnit.SECONDS)) {
      throw new AssertionError("the engine did not take the blocker");
    }
    return release;
  }
}
