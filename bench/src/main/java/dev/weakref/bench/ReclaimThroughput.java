package dev.weakref.bench;

import dev.weakref.Finalizer;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reclaim throughput, a plain-Java harness (JMH does not fit "time until a million cleanups ran"):
 * registers {@code n} objects with {@code Finalizer.of} or {@code Cleaner.register}, drops them
 * all, and times from the drop to the last cleanup having run. Trials alternate between the two;
 * medians are printed at the end.
 *
 * <p>Run: {@code java -Xmx2g -cp bench/target/benchmarks.jar
 * dev.weakref.bench.ReclaimThroughput [out.json] [trials [n]]} (defaults 5 and 1,000,000;
 * {@code bench/run.sh} passes the JSON file for the report). The figure is
 * sensitive to the collector and heap size; compare the two on the same run only.
 */
public final class ReclaimThroughput {
  private static final Cleaner CLEANER = Cleaner.create();

  private ReclaimThroughput() {}

  /** An object to register. */
  static final class Resource {
    long handle;
  }

  /** The cleanup, shared by every registration of a trial: counts down. */
  static final class CountDown implements Runnable {
    final CountDownLatch latch;

    CountDown(int n) {
      latch = new CountDownLatch(n);
    }

    @Override
    public void run() {
      latch.countDown();
    }
  }

  /** One trial's timings, in milliseconds. */
  record Trial(double registerMs, double reclaimMs) {}

  /**
   * Runs the trials and prints the medians.
   *
   * @param args optional: number of trials, number of objects per trial
   * @throws InterruptedException if interrupted while waiting for cleanups
   */
  public static void main(String[] args) throws Exception {
    java.nio.file.Path json = null;
    if (args.length > 0 && args[0].endsWith(".json")) {
      json = java.nio.file.Path.of(args[0]);
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    List<Trial> finalizer = new ArrayList<>();
    List<Trial> cleaner = new ArrayList<>();
    trial(true, n / 10); // warm-up of both paths
    trial(false, n / 10);
    for (int t = 0; t < trials; t++) {
      boolean finalizerFirst = t % 2 == 0;
      Trial a = trial(finalizerFirst, n);
      Trial b = trial(!finalizerFirst, n);
      (finalizerFirst ? finalizer : cleaner).add(a);
      (finalizerFirst ? cleaner : finalizer).add(b);
      System.out.printf("trial %d: Finalizer register %.0f ms, reclaim %.0f ms | Cleaner register %.0f"
          + " ms, reclaim %.0f ms%n", t + 1, (finalizerFirst ? a : b).registerMs(),
          (finalizerFirst ? a : b).reclaimMs(), (finalizerFirst ? b : a).registerMs(),
          (finalizerFirst ? b : a).reclaimMs());
    }
    double fr = median(finalizer, Trial::reclaimMs);
    double cr = median(cleaner, Trial::reclaimMs);
    double fg = median(finalizer, Trial::registerMs);
    double cg = median(cleaner, Trial::registerMs);
    System.out.printf("%nmedian of %d trials, %,d objects each:%n", trials, n);
    System.out.printf("  register: Finalizer %.0f ms, Cleaner %.0f ms (ratio %.2f)%n", fg, cg, fg / cg);
    System.out.printf("  reclaim:  Finalizer %.0f ms, Cleaner %.0f ms (ratio %.2f)%n", fr, cr, fr / cr);
    if (json != null) {
      dev.weakref.bench.report.HarnessResults out = new dev.weakref.bench.report.HarnessResults();
      String base = "dev.weakref.bench.ReclaimThroughputBenchmark.";
      out.add(base + "register1M_finalizer", "ms", values(finalizer, Trial::registerMs));
      out.add(base + "register1M_cleaner", "ms", values(cleaner, Trial::registerMs));
      out.add(base + "reclaim1M_finalizer", "ms", values(finalizer, Trial::reclaimMs));
      out.add(base + "reclaim1M_cleaner", "ms", values(cleaner, Trial::reclaimMs));
      out.write(json);
    }
  }

  private static double[] values(List<Trial> trials, java.util.function.ToDoubleFunction<Trial> f) {
    return trials.stream().mapToDouble(f).toArray();
  }

  private static Trial trial(boolean useFinalizer, int n) throws InterruptedException {
    System.gc();
    CountDown cleanup = new CountDown(n);
    Object[] objects = new Object[n];
    Object[] handles = new Object[n]; // kept, as an application keeps its Cleanable
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Resource r = new Resource();
      objects[i] = r;
      handles[i] = useFinalizer ? Finalizer.of(r, cleanup) : CLEANER.register(r, cleanup);
    }
    long t1 = System.nanoTime();
    Arrays.fill(objects, null);
    long t2 = System.nanoTime();
    System.gc();
    long last = -1;
    while (!cleanup.latch.await(1, TimeUnit.SECONDS)) {
      long left = cleanup.latch.getCount();
      if (left == last) {
        System.gc(); // no progress for a second: the first collection did not find them all
      }
      last = left;
    }
    long t3 = System.nanoTime();
    Arrays.fill(handles, null);
    return new Trial((t1 - t0) / 1e6, (t3 - t2) / 1e6);
  }

  private static double median(List<Trial> trials, java.util.function.ToDoubleFunction<Trial> f) {
    List<Double> v = new ArrayList<>();
    for (Trial t : trials) {
      v.add(f.applyAsDouble(t));
    }
    Collections.sort(v);
    int m = v.size() / 2;
    return v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2;
  }
}
