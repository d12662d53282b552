package dev.weakref.bench;

import dev.weakref.WeakRef;
import dev.weakref.bench.report.HarnessResults;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Retained bytes per reference, by heap deltas after full collections: {@code WeakRef} (with the
 * engine's registry record) against a raw {@link WeakReference}. Run with
 * {@code -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0} so that used heap after a full GC is exact.
 *
 * <p>Two shapes: one reference to each of a million objects (each referent gets its own registry
 * record), and a million references to one object (the record is shared). The referents themselves
 * are allocated before the baseline is taken, so they are excluded.
 */
public final class RefMemory {
  private static final int N = 1_000_000;
  private static final int TRIALS = 3;

  private RefMemory() {}

  /**
   * Runs the measurement and writes JMH-shaped JSON.
   *
   * @param args the output file
   * @throws Exception if the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    HarnessResults results = new HarnessResults();
    many = new Object[N];
    for (int i = 0; i < N; i++) {
      many[i] = new Object();
    }
    Object one = new Object();
    measure(results, "manyReferents_raw", i -> new WeakReference<>(many[i]));
    measure(results, "manyReferents_weakRef", i -> new WeakRef<>(many[i]));
    measure(results, "oneReferent_raw", i -> new WeakReference<>(one));
    measure(results, "oneReferent_weakRef", i -> new WeakRef<>(one));
    results.write(Path.of(args.length > 0 ? args[0] : "harness-RefMemory.json"));
    System.out.println(many.length + " " + one.hashCode());
  }

  private static Object[] many;

  private static void measure(HarnessResults results, String name, IntFunction<Object> make) {
    double[] trials = new double[TRIALS];
    for (int t = 0; t < TRIALS; t++) {
      Object[] keep = new Object[N];
      settle();
      long before = usedAfterGc();
      for (int i = 0; i < N; i++) {
        keep[i] = make.apply(i);
      }
      long after = usedAfterGc();
      java.lang.ref.Reference.reachabilityFence(keep);
      java.lang.ref.Reference.reachabilityFence(many);
      trials[t] = (after - before) / (double) N; // the keep array is in the baseline
      keep = null;
      Reclaimer.collect();
    }
    System.out.printf("%-24s %.1f bytes/ref %s%n", name, median(trials), java.util.Arrays.toString(trials));
    results.add("dev.weakref.bench.RefMemoryBenchmark." + name, "B/ref", trials);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  /**
   * Lets the engine give back what the previous measurement left: its handle table keeps the
   * buckets of refs whose referents died for a few sweeps (one per collection) before it shrinks,
   * and a baseline taken before that would have the next measurement count their return.
   */
  private static void settle() {
    for (int i = 0; i < 12; i++) {
      Reclaimer.collect();
    }
  }

  private static long usedAfterGc() {
    Reclaimer.collect();
    Reclaimer.collect();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
