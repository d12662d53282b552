package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A ref its owner dropped is not kept alive by the engine: a million of them, all with callbacks, to
 * one long-lived object leave the heap where it was.
 */
final class DroppedRefsMemoryTest {
  private static final long ALLOWED_GROWTH = 4L << 20; // "within a few MB"

  @Test
  void millionDroppedCallbackRefs_toOneLongLivedObject_doNotGrowTheHeap() {
    Object longLived = new Object();
    AtomicInteger fired = new AtomicInteger();
    WeakRef<Object> kept = new WeakRef<>(longLived, r -> fired.incrementAndGet());
    Reclaimer.collect();
    long before = usedHeap();
    for (int i = 0; i < 1_000_000; i++) {
      createAndDrop(longLived, fired);
    }
    Reclaimer.collect();
    Reclaimer.collect(); // the second round lets the engine unlink the cells of the dropped refs
    long after = usedHeap();
    long growth = after - before;
    System.out.printf("1,000,000 dropped callback refs: used heap %,d -> %,d bytes (%+,d)%n",
        before, after, growth);
    assertTrue(growth < ALLOWED_GROWTH, "heap grew by " + growth + " bytes");
    assertEquals(1, Reclaimer.weakRefCount(longLived));
    assertSame(longLived, kept.get());
    longLived = null;
    Reclaimer.collect();
    assertEquals(1, fired.get(), "only the ref still held fires");
    // Without this, the JIT (which compiles this method during the loop) may treat kept as dead
    // after its last use above: it is then collected with longLived and never fires.
    java.lang.ref.Reference.reachabilityFence(kept);
  }

  private static void createAndDrop(Object referent, AtomicInteger fired) {
    new WeakRef<>(referent, r -> fired.incrementAndGet());
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
