package dev.weakref.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/** What the memory tests measure of the heap. */
public final class Heap {
  private Heap() {}

  /**
   * Returns the heap in use right after the last full collection ({@code Reclaimer.collect()} ends
   * with one): the sum of the heap pools' usage after their last collection. Not
   * {@code totalMemory() - freeMemory()}: that counts whole thread-local allocation buffers handed
   * out since, and after a million allocations the test thread's buffer has grown to megabytes.
   *
   * @return bytes in use
   */
  public static long usedAfterGc() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (afterGc != null) {
        used += afterGc.getUsed();
      }
    }
    return used;
  }
}
