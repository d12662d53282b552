package dev.weakref.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.collect.MapMaker;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Retained bytes per entry of the weak maps with 1,000,000 entries, keys and values excluded: the
 * heap after filling a map, minus the heap before, both after full collections, divided by the count.
 *
 * <p>Run it with a collector whose full GC compacts everything, so the deltas are exact:
 * <pre>{@code
 * java -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0 -Xmx2g -cp bench/target/benchmarks.jar dev.weakref.bench.MapMemory
 * }</pre>
 * The keys and values are allocated before the first measurement and stay strongly reachable, so
 * only the map's own structure (entries, references, tables) is counted. Target: the weak
 * dictionaries at most {@code WeakHashMap}'s bytes per entry.
 */
public final class MapMemory {
  private static final int N = 1_000_000;
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private MapMemory() {}

  /** Key of the weak-key maps; equality by identity, like most weak keys. */
  static final class Key {}

  /**
   * Measures each map and prints bytes per entry.
   *
   * @param args optionally the number of entries (default 1,000,000)
   */
  public static void main(String[] args) throws java.io.IOException {
    java.nio.file.Path json = null;
    if (args.length > 0 && args[0].endsWith(".json")) {
      json = java.nio.file.Path.of(args[0]);
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : N;
    int trials = 3;
    Map<String, double[]> results = new LinkedHashMap<>();
    Object[] keys = new Object[n];
    Object[] values = new Object[n];
    for (int i = 0; i < n; i++) {
      keys[i] = new Key();
      values[i] = new Key();
    }
    Map<String, Supplier<Map<Object, Object>>> maps = new LinkedHashMap<>();
    maps.put("weakHashMap", WeakHashMap::new);
    maps.put("weakKeyDictionary", WeakKeyDictionary::new);
    maps.put("weakKeyDictionaryIdentity", WeakKeyDictionary::identity);
    maps.put("weakValueDictionary", WeakValueDictionary::new);
    maps.put("guavaWeakKeys", () -> new MapMaker().weakKeys().makeMap());
    maps.put("guavaWeakValues", () -> new MapMaker().weakValues().makeMap());
    maps.put("caffeineWeakKeys", () -> Caffeine.newBuilder().weakKeys().build().asMap());
    maps.put("caffeineWeakValues", () -> Caffeine.newBuilder().weakValues().build().asMap());
    for (int round = 0; round <= trials; round++) { // the first round warms up class loading
      System.out.println(round == 0 ? "warm-up round (ignore):" : "bytes per entry, " + n + " entries:");
      for (Map.Entry<String, Supplier<Map<Object, Object>>> e : maps.entrySet()) {
        long before = usedAfterGc();
        Map<Object, Object> map = e.getValue().get();
        for (int i = 0; i < n; i++) {
          map.put(keys[i], values[i]);
        }
        long after = usedAfterGc();
        if (map.size() != n) {
          throw new AssertionError(e.getKey() + " lost entries: " + map.size());
        }
        double perEntry = (after - before) / (double) n;
        System.out.printf("  %-28s %6.1f%n", e.getKey(), perEntry);
        if (round > 0) {
          results.computeIfAbsent(e.getKey(), k -> new double[trials])[round - 1] = perEntry;
        }
        map = null;
      }
      long before = usedAfterGc();
      Set<Object> set = new WeakSet<>();
      Collections.addAll(set, keys);
      long after = usedAfterGc();
      System.out.printf("  %-28s %6.1f  (set; WeakHashMap-backed Collections.newSetFromMap adds nothing per entry)%n",
          "WeakSet", (after - before) / (double) set.size());
      if (round > 0) {
        results.computeIfAbsent("weakSet", k -> new double[trials])[round - 1] =
            (after - before) / (double) set.size();
      }
      set = null;
    }
    if (json != null) {
      dev.weakref.bench.report.HarnessResults out = new dev.weakref.bench.report.HarnessResults();
      for (Map.Entry<String, double[]> r : results.entrySet()) {
        out.add("dev.weakref.bench.MapMemoryBenchmark.bytesPerEntry_" + r.getKey(), "B/entry",
            r.getValue());
      }
      out.write(json);
    }
    // Keep keys and values reachable to the end: they are not part of any measurement.
    if (keys.length + values.length == 0) {
      System.out.println();
    }
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }
}
