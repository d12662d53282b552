package dev.weakref.bench;

import dev.weakref.coroutines.ReclaimQueue;
import java.lang.ref.Cleaner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Registration cost: {@code ReclaimQueue.register(obj, tag)} of {@code weakref-coroutines} against
 * the JDK's {@code Cleaner.register(obj, Runnable)}, the peer it must stay within 1.5x of.
 *
 * <p>As in {@link FinalizerBenchmark}, each registration leaves its object to die, so the cost
 * includes what each mechanism later spends on it: the collector's reference processing, then the
 * engine queueing the tag and a coroutine on another thread collecting it (ours), or the cleaner
 * thread running the action. The tag and the action are shared constants. Run: {@code java -jar bench/target/benchmarks.jar ReclaimQueueBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g"})
public class ReclaimQueueBenchmark {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final LongAdder RUNS = new LongAdder();
  private static final Runnable CLEANUP = RUNS::increment;
  private static final String TAG = "tag";

  private ReclaimQueue<String> queue;
  private Thread collector;

  /** An object to register, as an application would have. */
  static final class Resource {
    long handle;
  }

  @Benchmark
  public Object register_reclaimQueue() {
    Resource r = new Resource();
    queue.register(r, TAG);
    return r;
  }

  @Benchmark
  public Object register_cleaner() {
    return CLEANER.register(new Resource(), CLEANUP);
  }

  /** A queue, and a coroutine that collects its tags on a thread of its own. */
  @Setup
  public void setUp() {
    queue = new ReclaimQueue<>();
    collector = ReclaimFlow.collectInBackground(queue);
  }

  /** Closes the queue, which completes its collector. */
  @TearDown
  public void tearDown() throws InterruptedException {
    queue.close();
    collector.join();
  }
}
