package dev.weakref.bench;

import com.google.common.base.FinalizablePhantomReference;
import com.google.common.base.FinalizableReferenceQueue;
import dev.weakref.Finalizer;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reclaim throughput, a plain-Java harness (JMH does not fit "time until a million cleanups ran"):
 * registers {@code n} objects with {@code Finalizer.of}, {@code Cleaner.register} or Guava's
 * {@code FinalizableReferenceQueue} (a {@code FinalizablePhantomReference} per object, kept in a set
 * until its {@code finalizeReferent()} ran, as Guava's documentation requires), drops them all, and
 * times from the drop to the last cleanup having run. Each trial runs all three, in an order that
 * rotates from trial to trial; medians are printed at the end.
 *
 * <p>Run: {@code java -Xmx2g -cp bench/target/benchmarks.jar
 * dev.weakref.bench.ReclaimThroughput [out.json] [trials [n]]} (defaults 5 and 1,000,000;
 * {@code bench/run.sh} passes the JSON file for the report, and 3 trials in its quick profile). The
 * figure is sensitive to the collector and heap size; compare the implementations of one run only.
 */
public final class ReclaimThroughput {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final FinalizableReferenceQueue GUAVA_QUEUE = new FinalizableReferenceQueue();

  private ReclaimThroughput() {}

  /** The implementations, by the names the report shows. */
  enum Impl {
    FINALIZER("finalizer"),
    CLEANER("cleaner"),
    GUAVA("guava");

    final String label;

    Impl(String label) {
      this.label = label;
    }
  }

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

  /** Guava's registration: the reference stays in {@code live} until its referent was finalized. */
  static final class GuavaCleanup extends FinalizablePhantomReference<Resource> {
    private final Set<Reference<?>> live;
    private final Runnable cleanup;

    GuavaCleanup(Resource referent, Set<Reference<?>> live, Runnable cleanup) {
      super(referent, GUAVA_QUEUE);
      this.live = live;
      this.cleanup = cleanup;
      live.add(this);
    }

    @Override
    public void finalizeReferent() {
      live.remove(this);
      cleanup.run();
    }
  }

  /** One trial's timings, in milliseconds. */
  record Trial(double registerMs, double reclaimMs) {}

  /**
   * Runs the trials and prints the medians.
   *
   * @param args optional: the JSON file to write, the number of trials, the number of objects
   * @throws Exception if interrupted while waiting for cleanups, or the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    java.nio.file.Path json = null;
    if (args.length > 0 && args[0].endsWith(".json")) {
      json = java.nio.file.Path.of(args[0]);
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    Impl[] impls = Impl.values();
    Map<Impl, List<Trial>> results = new EnumMap<>(Impl.class);
    for (Impl impl : impls) {
      trial(impl, n / 10); // warm-up of every path
      results.put(impl, new ArrayList<>());
    }
    for (int t = 0; t < trials; t++) {
      StringBuilder line = new StringBuilder("trial " + (t + 1) + ":");
      for (int k = 0; k < impls.length; k++) {
        Impl impl = impls[(t + k) % impls.length]; // rotate who goes first
        Trial r = trial(impl, n);
        results.get(impl).add(r);
        line.append(String.format(" | %s register %.0f ms, reclaim %.0f ms", impl.label,
            r.registerMs(), r.reclaimMs()));
      }
      System.out.println(line);
    }
    System.out.printf("%nmedian of %d trials, %,d objects each:%n", trials, n);
    double cleanerReclaim = median(results.get(Impl.CLEANER), Trial::reclaimMs);
    double cleanerRegister = median(results.get(Impl.CLEANER), Trial::registerMs);
    for (Impl impl : impls) {
      double g = median(results.get(impl), Trial::registerMs);
      double r = median(results.get(impl), Trial::reclaimMs);
      System.out.printf("  %-9s register %5.0f ms (%.2fx Cleaner), reclaim %5.0f ms (%.2fx Cleaner)%n",
          impl.label, g, g / cleanerRegister, r, r / cleanerReclaim);
    }
    if (json != null) {
      dev.weakref.bench.report.HarnessResults out = new dev.weakref.bench.report.HarnessResults();
      String base = "dev.weakref.bench.ReclaimThroughputBenchmark.";
      for (Impl impl : impls) {
        out.add(base + "register1M_" + impl.label, "ms", values(results.get(impl), Trial::registerMs));
      }
      for (Impl impl : impls) {
        out.add(base + "reclaim1M_" + impl.label, "ms", values(results.get(impl), Trial::reclaimMs));
      }
      out.write(json);
    }
  }

  private static double[] values(List<Trial> trials, java.util.function.ToDoubleFunction<Trial> f) {
    return trials.stream().mapToDouble(f).toArray();
  }

  private static Trial trial(Impl impl, int n) throws InterruptedException {
    System.gc();
    CountDown cleanup = new CountDown(n);
    Set<Reference<?>> guavaLive = ConcurrentHashMap.newKeySet();
    Object[] objects = new Object[n];
    Object[] handles = new Object[n]; // kept, as an application keeps its Cleanable
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Resource r = new Resource();
      objects[i] = r;
      handles[i] = switch (impl) {
        case FINALIZER -> Finalizer.of(r, cleanup);
        case CLEANER -> CLEANER.register(r, cleanup);
        case GUAVA -> new GuavaCleanup(r, guavaLive, cleanup);
      };
    }
    long t1 = System.nanoTime();
    Arrays.fill(objects, null);
    long t2 = System.nanoTime();
    awaitCleanups(cleanup.latch);
    long t3 = System.nanoTime();
    Arrays.fill(handles, null);
    return new Trial((t1 - t0) / 1e6, (t3 - t2) / 1e6);
  }

  /**
   * Forces a collection and waits until every cleanup counted down {@code latch}, forcing another
   * collection whenever a second passes without progress (the first one did not find them all).
   * {@code FreshStream} waits for its fresh registrations' retirement the same way.
   */
  static void awaitCleanups(CountDownLatch latch) throws InterruptedException {
    System.gc();
    long last = -1;
    while (!latch.await(1, TimeUnit.SECONDS)) {
      long left = latch.getCount();
      if (left == last) {
        System.gc(); // no progress for a second: the first collection did not find them all
      }
      last = left;
    }
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
