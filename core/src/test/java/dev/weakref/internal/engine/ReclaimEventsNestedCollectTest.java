package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakRef;
import dev.weakref.engine.ReclaimEvent;
import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.UnraisableCapture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Events caused by a {@code collect()} that a listener calls are delivered before the engine tells
 * waiting {@code collect()} calls it is done: they used to stay buffered until some later batch.
 */
final class ReclaimEventsNestedCollectTest {
  static final Object KEPT = new Object();

  static final class ByNestedCollect {}

  @Test
  void eventsCausedByACollectInAListener_areDeliveredBeforeSentinelsAreSignalled()
      throws InterruptedException {
    Reclaimer.collect(); // what earlier tests left behind is reclaimed before we listen
    Object[] holder = {new ByNestedCollect()};
    WeakRef<Object> nested = new WeakRef<>(holder[0]);
    CountDownLatch sentinelEnqueued = new CountDownLatch(1);
    AtomicBoolean once = new AtomicBoolean();
    List<ReclaimEvent> events = new CopyOnWriteArrayList<>();
    UnraisableCapture unraisable = UnraisableCapture.start();
    try (unraisable;
        ReclaimRegistration r = Reclaimer.addListener(e -> {
          events.add(e);
          if (e.kind() == ReclaimEvent.Kind.FINALIZER_CALLED && once.compareAndSet(false, true)) {
            try {
              // The engine thread is here, so the sentinel is taken by this listener's collect(),
              // in the very batch whose end signals it.
              assertTrue(sentinelEnqueued.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException ex) {
              throw new AssertionError(ex);
            }
            holder[0] = null;
            Reclaimer.collect();
          }
        })) {
      Finalizer.of(KEPT, () -> {}).call(); // its event wakes the engine, which runs the listener
      Sentinel s = new Sentinel(Engine.QUEUE);
      s.enqueue();
      sentinelEnqueued.countDown();
      assertTrue(s.done.await(30, TimeUnit.SECONDS), "sentinel not signalled");
      assertTrue(once.get());
      assertNull(nested.get());
      long seen = events.stream().filter(e -> e.referentType() == ByNestedCollect.class).count();
      assertEquals(1, seen, "events when the sentinel was signalled: " + events);
    }
    assertEquals(List.of(), unraisable.errors());
  }
}
