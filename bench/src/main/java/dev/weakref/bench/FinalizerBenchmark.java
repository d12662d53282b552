package dev.weakref.bench;

import com.google.common.base.FinalizablePhantomReference;
import com.google.common.base.FinalizableReferenceQueue;
import dev.weakref.Finalizer;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Registration cost: {@code Finalizer.of(obj, Runnable)} against the JDK's
 * {@code Cleaner.register(obj, Runnable)}, the peer it must stay within 1.5x of, and Guava's
 * {@code FinalizableReferenceQueue} ({@code register_guava}: a {@code FinalizablePhantomReference}
 * per object, kept in a concurrent set until its {@code finalizeReferent()} runs, as Guava's
 * documentation requires; no target, informational).
 *
 * <p>The {@code register*} pairs leave the object to die, so the cost includes what each mechanism
 * later spends reclaiming it (its reference objects, the collector's reference processing, its
 * cleanup thread). The {@code registerAndRun*} pair runs the cleanup at once ({@code call()} /
 * {@code clean()}): registration plus the at-most-once hand-off, without reclamation. The
 * {@code Capturing} variants use a lambda that captured an object and a {@code long}, so the capture
 * check has a field to read; {@code registerCapturingAndRun} minus {@code registerAndRun} is the
 * cost of that check, with the fields to inspect cached per class. Run: {@code java -jar bench/target/benchmarks.jar FinalizerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g"})
public class FinalizerBenchmark {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final LongAdder RUNS = new LongAdder();
  private static final Runnable CLEANUP = RUNS::increment;

  /** An object to register, as an application would have. */
  static final class Resource {
    long handle;
  }

  /**
   * Guava's way to run a cleanup: subclass a finalizable reference, keep it until it runs. Its
   * queue (and the thread that drains it) exists only in the forks that register with Guava.
   */
  static final class GuavaCleanup extends FinalizablePhantomReference<Resource> {
    private static final FinalizableReferenceQueue QUEUE = new FinalizableReferenceQueue();
    /** Keeps every registered reference reachable until its referent was finalized. */
    private static final Set<Reference<?>> LIVE = ConcurrentHashMap.newKeySet();

    private final Runnable cleanup;

    GuavaCleanup(Resource referent, Runnable cleanup) {
      super(referent, QUEUE);
      this.cleanup = cleanup;
      LIVE.add(this);
    }

    @Override
    public void finalizeReferent() {
      LIVE.remove(this);
      cleanup.run();
    }
  }

  @Benchmark
  public Object register_finalizer() {
    return Finalizer.of(new Resource(), CLEANUP);
  }

  @Benchmark
  public Object register_cleaner() {
    return CLEANER.register(new Resource(), CLEANUP);
  }

  @Benchmark
  public Object register_guava() {
    return new GuavaCleanup(new Resource(), CLEANUP);
  }

  @Benchmark
  public Object registerCapturing_finalizer() {
    Resource r = new Resource();
    long handle = r.handle;
    LongAdder counter = RUNS;
    return Finalizer.of(r, () -> counter.add(handle));
  }

  @Benchmark
  public Object registerCapturing_cleaner() {
    Resource r = new Resource();
    long handle = r.handle;
    LongAdder counter = RUNS;
    return CLEANER.register(r, () -> counter.add(handle));
  }

  @Benchmark
  public Object registerAndRun_finalizer() {
    Finalizer<Void> f = Finalizer.of(new Resource(), CLEANUP);
    f.call();
    return f;
  }

  @Benchmark
  public Object registerAndRun_cleaner() {
    Cleaner.Cleanable c = CLEANER.register(new Resource(), CLEANUP);
    c.clean();
    return c;
  }

  @Benchmark
  public Object registerCapturingAndRun_finalizer() {
    Resource r = new Resource();
    long handle = r.handle;
    LongAdder counter = RUNS;
    Finalizer<Void> f = Finalizer.of(r, () -> counter.add(handle));
    f.call();
    return f;
  }

  @Benchmark
  public Object registerCapturingAndRun_cleaner() {
    Resource r = new Resource();
    long handle = r.handle;
    LongAdder counter = RUNS;
    Cleaner.Cleanable c = CLEANER.register(r, () -> counter.add(handle));
    c.clean();
    return c;
  }

  /** The floor: allocating the object alone. */
  @Benchmark
  public Object allocateOnly() {
    return new Resource();
  }
}
