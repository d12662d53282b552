package dev.weakref.bench;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.bench.report.HarnessResults;
import dev.weakref.engine.ReclaimStats;
import dev.weakref.engine.Reclaimer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sustained stream of registrations on fresh objects, and their cost including retirement: what
 * JMH's {@code WeakRefBenchmark.createFresh_*} rows cannot show, because a {@code Cleaner} defers
 * its work to its own thread and JMH's short iterations end before that thread's backlog costs
 * anything (with 1 s iterations the same {@code createFresh_cleaner} climbs from about 110 to
 * thousands of ns/op from one iteration to the next).
 *
 * <p>Each way runs in a child JVM shaped like a JMH fork ({@code -Xms1g -Xmx1g
 * -XX:+AlwaysPreTouch}, G1), so that running out of heap or stalling ends that child, not the
 * harness. The ways: {@code new WeakReference<>(new Object())} (raw, the floor),
 * {@code new WeakRef<>(new Object())}, {@code Finalizer.of(new Object(), action)} and
 * {@code Cleaner.register(new Object(), action)}, the result dropped each time.
 *
 * <ul>
 *   <li><b>stream</b>: up to {@code batches} batches of 1,000,000 in a tight loop, stopping after
 *       the batch that passes {@code capSeconds} (so that the slowest way cannot blow the quick
 *       profile's budget). Rows: {@code FreshStream.stream} (ns/op, median of the later half of the
 *       batches reached), {@code FreshStream.streamWhole} (ns/op over all batches reached: collector
 *       pauses included), {@code FreshStream.streamDone} (millions of operations reached: fewer than
 *       {@code batches} when the child hit the time cap, ran out of heap or stalled; the harness
 *       prints which), {@code FreshStream.streamRetained} (MB of heap still in use after a full
 *       collection right at the stream's end: the backlog not yet retired; none when the child
 *       ran out of heap) and, only for a child that ran out of heap or stalled,
 *       {@code FreshStream.streamFailed} (the millions of operations it reached).
 *   <li><b>retire</b>: 1,000,000 registrations, then the wait until every one was retired (a
 *       {@code Cleaner}'s and a {@code Finalizer}'s action ran, counted as {@link
 *       ReclaimThroughput} counts them; for {@code WeakRef}, {@link Reclaimer#collect()} returned
 *       and {@link ReclaimStats#referentsTracked()} is back where it was), the whole divided by the
 *       count: {@code FreshStream.retire1M} (ns/op), the median of {@code trials} rounds after a
 *       warm-up of a tenth of the size, in one child per way.
 * </ul>
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar dev.weakref.bench.FreshStream [out.json]
 * [batches [trials [capSeconds]]]} (defaults 30, 1 and 25; {@code bench/run.sh} passes 30, 1 and
 * 15 in the quick profile and 40, 3 and 60 under {@code PROFILE=full}). Stream trials rotate which way goes first. A {@code Cleaner} that runs out
 * of heap, or any child that stalls, is a result, not a failure of the harness.
 */
public final class FreshStream {
  private static final int BATCH = 1_000_000;
  private static final int RETIRE = 1_000_000;
  /** A child that prints nothing for this long is stalled: it is killed and counted so. */
  private static final long STALL_SECONDS = 60;
  private static final String CAPPED = "time cap";

  private FreshStream() {}

  /** The ways of registering, by the names the report shows. */
  enum Way {
    RAW("raw"),
    WEAKREF("weakRef"),
    FINALIZER("finalizer"),
    CLEANER("cleaner");

    final String label;

    Way(String label) {
      this.label = label;
    }
  }

  /**
   * What one child reported: a figure per batch or round, the heap retained right after the stream
   * (MB, or -1), whether it ran every batch, and otherwise how it ended.
   */
  record Outcome(List<Double> values, double retainedMb, boolean completed, String end) {}

  /**
   * Runs the stream and the retirement measurement of every way, each in child JVMs, and writes the
   * rows.
   *
   * @param args optional: the JSON file to write, the batches per stream, the trials, the time cap
   *     per stream in seconds
   * @throws Exception if a child cannot be started or the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    Path json = null;
    if (args.length > 0 && args[0].endsWith(".json")) {
      json = Path.of(args[0]);
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int trials = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int capSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    Way[] ways = Way.values();
    Map<Way, List<Double>> stream = new EnumMap<>(Way.class);
    Map<Way, List<Double>> whole = new EnumMap<>(Way.class);
    Map<Way, List<Double>> done = new EnumMap<>(Way.class);
    Map<Way, List<Double>> retained = new EnumMap<>(Way.class);
    Map<Way, List<Double>> failed = new EnumMap<>(Way.class);
    Map<Way, List<Double>> retire = new EnumMap<>(Way.class);
    for (Way w : ways) {
      stream.put(w, new ArrayList<>());
      whole.put(w, new ArrayList<>());
      done.put(w, new ArrayList<>());
      retained.put(w, new ArrayList<>());
      failed.put(w, new ArrayList<>());
      retire.put(w, new ArrayList<>());
    }
    long start = System.nanoTime();
    for (int t = 0; t < trials; t++) {
      for (int k = 0; k < ways.length; k++) {
        Way w = ways[(t + k) % ways.length];
        Outcome o = run("stream", w, batches, capSeconds);
        List<Double> b = o.values();
        System.out.printf(Locale.ROOT, "trial %d, stream %-9s %d of %d batches%s", t + 1, w.label,
            b.size(), batches, o.completed() ? "" : " (" + o.end() + ")");
        done.get(w).add((double) b.size());
        if (!o.completed() && !o.end().startsWith(CAPPED)) {
          failed.get(w).add((double) b.size());
        }
        if (!b.isEmpty()) {
          double later = median(b.subList(b.size() / 2, b.size()));
          double all = b.stream().mapToDouble(Double::doubleValue).sum() / b.size();
          stream.get(w).add(later);
          whole.get(w).add(all);
          System.out.printf(Locale.ROOT, ", later half %.0f ns/op, whole %.0f ns/op", later, all);
        }
        if (o.retainedMb() >= 0) {
          retained.get(w).add(o.retainedMb());
          System.out.printf(Locale.ROOT, ", %.0f MB retained after it", o.retainedMb());
        }
        System.out.println();
      }
    }
    for (Way w : ways) {
      if (w == Way.RAW) {
        continue; // nothing to retire: a dropped raw reference is the collector's alone
      }
      Outcome o = run("retire", w, RETIRE, trials);
      System.out.printf(Locale.ROOT, "retire1M %-9s %s ns/op%s%n", w.label, fmt(o.values()),
          o.completed() ? "" : " (" + o.end() + ")");
      retire.get(w).addAll(o.values());
    }
    System.out.printf(Locale.ROOT, "harness time %.0f s%n", (System.nanoTime() - start) / 1e9);
    if (json != null) {
      HarnessResults out = new HarnessResults();
      String base = "dev.weakref.bench.FreshStreamBenchmark.";
      add(out, base + "stream_", "ns/op", stream);
      add(out, base + "streamWhole_", "ns/op", whole);
      add(out, base + "streamDone_", "ops done (millions)", done);
      add(out, base + "streamRetained_", "MB", retained);
      add(out, base + "streamFailed_", "ops (millions) before out of heap or stalled", failed);
      add(out, base + "retire1M_", "ns/op", retire);
      out.write(json);
    }
  }

  private static void add(HarnessResults out, String prefix, String unit, Map<Way, List<Double>> m) {
    for (Map.Entry<Way, List<Double>> e : m.entrySet()) {
      if (!e.getValue().isEmpty()) {
        out.add(prefix + e.getKey().label, unit,
            e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
      }
    }
  }

  /**
   * Runs one child and collects the figures it prints, one line each ({@code value <ns/op>},
   * {@code retained <MB>}); it completed if it printed {@code done}. A child that reached its time
   * cap ({@code capped}), exits otherwise (out of heap: the JVM is told to exit on
   * {@code OutOfMemoryError}) or prints nothing for {@link #STALL_SECONDS} (then killed) did not;
   * {@code end} says which.
   *
   * @param arg the rounds of a retire child, the time cap in seconds of a stream child
   */
  private static Outcome run(String mode, Way way, int count, int arg)
      throws IOException, InterruptedException {
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), FreshStream.class.getName(),
        "--child", mode, way.name(), Integer.toString(count), Integer.toString(arg));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) {
          lines.add(l);
        }
      } catch (IOException e) {
        lines.add("reader: " + e);
      } finally {
        lines.add("\u0000eof");
      }
    }, "FreshStream-reader");
    reader.setDaemon(true);
    reader.start();
    List<Double> values = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    double retainedMb = -1;
    boolean completed = false;
    String end = null;
    String capped = null;
    while (end == null) {
      String l = lines.poll(STALL_SECONDS, TimeUnit.SECONDS);
      if (l == null) {
        p.destroyForcibly();
        end = "stalled: no progress for " + STALL_SECONDS + " s, killed";
      } else if (l.equals("\u0000eof")) {
        int rc = p.waitFor();
        end = completed ? "done" : capped != null ? capped
            : other.indexOf("OutOfMemoryError") >= 0 ? "OutOfMemoryError"
            : "exit code " + rc + ": " + other.toString().strip();
      } else if (l.startsWith("value ")) {
        values.add(Double.parseDouble(l.substring(6)));
      } else if (l.startsWith("retained ")) {
        retainedMb = Double.parseDouble(l.substring(9));
      } else if (l.startsWith("capped")) {
        capped = CAPPED + " of " + arg + " s reached";
      } else if (l.equals("done")) {
        completed = true;
      } else if (other.length() < 2000) {
        other.append(l).append('\n');
      }
    }
    p.waitFor();
    return new Outcome(values, retainedMb, completed, end);
  }

  /* ---- the child ---- */

  private static final Cleaner CLEANER = Cleaner.create();
  private static final Runnable NOTHING = () -> {};
  /** Where the stream drops each result, so that the JIT cannot drop the allocation. */
  static volatile Object sink;

  private static void child(String[] args) throws InterruptedException {
    String mode = args[1];
    Way way = Way.valueOf(args[2]);
    int count = Integer.parseInt(args[3]);
    int arg = Integer.parseInt(args[4]);
    if (mode.equals("stream")) {
      long start = System.nanoTime();
      boolean capped = false;
      for (int b = 0; b < count && !capped; b++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
          sink = make(way, NOTHING);
        }
        long t1 = System.nanoTime();
        System.out.println("value " + (t1 - t0) / (double) BATCH);
        capped = b + 1 < count && t1 - start > TimeUnit.SECONDS.toNanos(arg);
      }
      sink = null;
      // What the stream left behind: a full collection, then the heap still in use (the backlog
      // of registrations that the Cleaner's or the engine's thread has not retired yet).
      System.gc();
      Runtime rt = Runtime.getRuntime();
      System.out.println("retained " + (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024));
      if (capped) {
        System.out.println("capped");
        return;
      }
    } else {
      int reps = arg;
      retire(way, count / 10); // warm-up of every path
      for (int r = 0; r < reps; r++) {
        System.out.println("value " + retire(way, count));
      }
    }
    sink = null;
    System.out.println("done");
  }

  private static Object make(Way way, Runnable action) {
    return switch (way) {
      case RAW -> new WeakReference<>(new Object());
      case WEAKREF -> new WeakRef<>(new Object());
      case FINALIZER -> Finalizer.of(new Object(), action);
      case CLEANER -> CLEANER.register(new Object(), action);
    };
  }

  /** Registers {@code n} fresh objects, waits until all were retired; ns per registration. */
  private static double retire(Way way, int n) throws InterruptedException {
    System.gc();
    if (way == Way.WEAKREF) {
      Reclaimer.collect(); // the baseline counts no cell of the warm-up that is not yet swept
    }
    long tracked = Reclaimer.stats().referentsTracked();
    ReclaimThroughput.CountDown cleanup = new ReclaimThroughput.CountDown(n);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink = make(way, cleanup);
    }
    sink = null;
    if (way == Way.WEAKREF) {
      do {
        Reclaimer.collect();
      } while (Reclaimer.stats().referentsTracked() > tracked);
    } else {
      ReclaimThroughput.awaitCleanups(cleanup.latch);
    }
    return (System.nanoTime() - t0) / (double) n;
  }

  private static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String fmt(List<Double> xs) {
    StringBuilder sb = new StringBuilder();
    for (double x : xs) {
      sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x));
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }
}
