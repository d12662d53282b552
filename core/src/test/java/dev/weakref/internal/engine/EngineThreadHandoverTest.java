package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A sentinel signalled after a full batch, when the next look finds the queue empty, is signalled
 * only once the thread that ran user code has ended, as at the end of any other batch: it used to be
 * signalled by that thread, which lived on with the thread-locals user code left on it.
 */
final class EngineThreadHandoverTest {
  private static final AtomicReference<Thread> ranOn = new AtomicReference<>();
  private static final CountDownLatch entered = new CountDownLatch(1);
  private static final CountDownLatch release = new CountDownLatch(1);

  /** User code that holds the engine while the test fills the queue. */
  private static final class Blocker extends EngineReference<Object> {
    Blocker() {
      super(null);
    }

    @Override
    protected void reclaimed() {
      ranOn.set(Thread.currentThread());
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static final class Nop extends EngineReference<Object> {
    Nop() {
      super(null);
    }

    @Override
    protected void reclaimed() {}
  }

  @Test
  void sentinelsOfAFullBatch_areSignalledByAFreshThread_whenTheNextPollFindsNothing()
      throws InterruptedException {
    Reclaimer.collect(); // what earlier tests left behind is processed first
    new Blocker().enqueue();
    assertTrue(entered.await(30, TimeUnit.SECONDS), "the engine did not run the blocker");
    // Exactly one full batch: the sentinel (the queue is a stack: taken first) and BATCH_MAX - 1
    // others, so the batch ends without having seen the queue empty, and the next look finds it so.
    for (int i = 0; i < ReclaimLoop.BATCH_MAX - 1; i++) {
      new Nop().enqueue();
    }
    Sentinel s = new Sentinel(Engine.QUEUE);
    s.enqueue();
    release.countDown();
    assertTrue(s.done.await(30, TimeUnit.SECONDS), "sentinel not signalled");
    Thread old = ranOn.get();
    assertNotNull(old);
    assertFalse(old.isAlive(), "the sentinel was signalled while the thread that ran user code lives");
  }
}
