package dev.weakref.bench;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A design probe, not a product row ({@code bench/run.sh} does not run it): how much the collector's
 * work to reclaim a burst of objects depends on the order in which a registry's weak cells are
 * reached. It models the engine's handle table without using it: 200,000 objects, each with a
 * {@link WeakReference} registered with a queue (the ref) and a weak cell pointing at that ref (the
 * registry's cell), then drops the objects and times the full collection that finds them dead.
 *
 * <p>Layouts ({@code raw} is the floor: no cells):
 * <ul>
 *   <li>{@code hash}: cells chained in buckets by identity hash, as the engine's {@code HandleTable}
 *       keeps them: the collector reaches them in hash order, a random walk over the heap;
 *   <li>{@code list}: the same cells in one list in allocation order;
 *   <li>{@code chunks}: cells in arrays in allocation order, buckets as {@code int} indexes the
 *       collector does not trace: a table that can still find a cell by hash.
 * </ul>
 *
 * <p>Run with {@code java -XX:+UseSerialGC -Xmx2g -cp bench/target/benchmarks.jar
 * dev.weakref.bench.TableLayoutProbe}; it prints the pause of the last four of eight rounds per
 * layout, layouts alternating, in milliseconds.
 */
public final class TableLayoutProbe {
  private static final int N = 200_000;
  private static final int BUCKETS = 1 << 18;
  private static final int CHUNK = 1024;

  private TableLayoutProbe() {}

  /** A weak cell: what the registry keeps per ref. */
  private static final class Cell extends WeakReference<Object> {
    Cell next;
    int nextIndex;
    final int hash;

    Cell(Object ref, int hash) {
      super(ref);
      this.hash = hash;
    }
  }

  /** A referent with a class of its own. */
  private static final class Payload {}

  /**
   * Runs three passes over the four layouts and prints each pass's pauses.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    List<String> layouts = List.of("raw", "hash", "list", "chunks");
    for (int pass = 0; pass < 3; pass++) {
      for (String layout : layouts) {
        System.out.printf("%-7s %s%n", layout, pauses(layout));
      }
    }
  }

  private static List<String> pauses(String layout) {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    List<String> out = new ArrayList<>();
    for (int round = 0; round < 8; round++) {
      Object[] objects = new Object[N];
      Object[] refs = new Object[N];
      Cell[] table = new Cell[BUCKETS];
      int[] buckets = new int[BUCKETS];
      Cell[][] chunks = new Cell[N / CHUNK + 1][];
      Cell list = null;
      for (int i = 0; i < N; i++) {
        objects[i] = new Payload();
        refs[i] = new WeakReference<>(objects[i], queue);
        if (layout.equals("raw")) {
          continue;
        }
        int hash = System.identityHashCode(objects[i]);
        Cell cell = new Cell(refs[i], hash);
        int b = hash & (BUCKETS - 1);
        switch (layout) {
          case "hash" -> {
            cell.next = table[b];
            table[b] = cell;
          }
          case "list" -> {
            cell.next = list;
            list = cell;
          }
          default -> {
            Cell[] chunk = chunks[i / CHUNK];
            if (chunk == null) {
              chunk = chunks[i / CHUNK] = new Cell[CHUNK];
            }
            chunk[i % CHUNK] = cell;
            cell.nextIndex = buckets[b];
            buckets[b] = i + 1;
          }
        }
      }
      Arrays.fill(objects, null);
      long t0 = System.nanoTime();
      System.gc();
      long t1 = System.nanoTime();
      Reference.reachabilityFence(refs);
      Reference.reachabilityFence(table);
      Reference.reachabilityFence(buckets);
      Reference.reachabilityFence(chunks);
      Reference.reachabilityFence(list);
      while (queue.poll() != null) {
        // drained: the next round starts with an empty queue
      }
      if (round >= 4) {
        out.add(String.format("%.1f", (t1 - t0) / 1e6));
      }
    }
    return out;
  }
}
