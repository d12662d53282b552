package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.Heap;
import java.lang.ref.Reference;
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
    long before = Heap.usedAfterGc();
    for (int i = 0; i < 1_000_000; i++) {
      garbageRefTo(longLived, fired);
    }
    Reclaimer.collect();
    Reclaimer.collect(); // the second round lets the engine unlink the cells of the dropped refs
    long after = Heap.usedAfterGc();
    long growth = after - before;
    System.out.printf("1,000,000 dropped callback refs: used heap %,d -> %,d bytes (%+,d)%n",
        before, after, growth);
    assertTrue(growth < ALLOWED_GROWTH, "heap grew by " + growth + " bytes");
    assertEquals(1, Reclaimer.weakRefCount(longLived));
    assertSame(longLived, kept.get());
    longLived = null;
    Reclaimer.collect();
    assertEquals(1, fired.get(), "only the ref still held fires");
    // Without this, a JIT-compiled frame may treat `kept` as dead after its last use above, and the
    // ref, unreachable, would never fire.
    Reference.reachabilityFence(kept);
  }

  /**
   * The same for refs to fresh objects, the engine's commonest case: each ref's cell is the only
   * trace of its referent, and is swept once ref and referent are gone.
   */
  @Test
  void millionDroppedCallbackRefs_toFreshObjects_doNotGrowTheHeap() {
    AtomicInteger fired = new AtomicInteger();
    Reclaimer.collect();
    long before = Heap.usedAfterGc();
    for (int i = 0; i < 1_000_000; i++) {
      garbageRefTo(new Object(), fired);
    }
    // The first two rounds unlink the cells; the table keeps the buckets the burst needed until
    // HandleTable.SHRINK_AFTER_SWEEPS (4) sweeps in a row found it oversized (issue 19: the next
    // burst would regrow it), which these rounds reach.
    for (int i = 0; i < 6; i++) {
      Reclaimer.collect();
    }
    long after = Heap.usedAfterGc();
    long growth = after - before;
    System.out.printf("1,000,000 dropped callback refs to fresh objects: used heap %,d -> %,d bytes"
        + " (%+,d)%n", before, after, growth);
    assertTrue(growth < ALLOWED_GROWTH, "heap grew by " + growth + " bytes");
    // Rarely, and rightly by the JVM's rules, a dropped ref promoted to the old generation while its
    // referent stayed young is found by a young collection before an old one finds it dead.
    assertTrue(fired.get() <= 10, "dropped refs fired: " + fired.get());
  }

  private static void garbageRefTo(Object referent, AtomicInteger fired) {
    new WeakRef<>(referent, r -> fired.incrementAndGet());
  }
}
