package dev.weakref.bench;

import static dev.weakref.bench.MapBenchmark.KEYS;
import static dev.weakref.bench.MapBenchmark.MASK;
import static dev.weakref.bench.MapBenchmark.SIZE;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.collect.MapMaker;
import dev.weakref.WeakSet;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The weak sets under a read-mostly load: the 64k strongly-held keys of {@link MapBenchmark}, 90%
 * {@code contains} and 10% {@code add} of a present element, uniformly at random. Nothing is
 * reclaimed during a run.
 *
 * <p>{@code WeakSet} (equality) and {@code WeakSet.identity()} against the sets the JDK and the peers
 * make from their weak maps: {@code Collections.newSetFromMap} over a {@code WeakHashMap} (plain on
 * one thread, {@code Collections.synchronizedSet} on both), over Guava's {@code MapMaker().weakKeys()}
 * and over Caffeine's {@code weakKeys()} map (both compare keys by identity, like
 * {@code WeakSet.identity()}); {@code ConcurrentHashMap.newKeySet()} (strong) is the ceiling.
 * {@link TwoThreads} runs the thread-safe ones on two threads sharing one set. No target: the rows
 * are informational.
 *
 * <pre>{@code java -jar bench/target/benchmarks.jar SetBenchmark}</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class SetBenchmark {

  /** One set under test, holding every key. */
  @State(Scope.Benchmark)
  public abstract static class SetState {
    Set<Object> set;

    abstract Set<Object> create();

    @Setup
    public void fill() {
      set = create();
      for (int i = 0; i < SIZE; i++) {
        set.add(KEYS[i]);
      }
    }
  }

  /** Each thread's random index stream (xorshift) and operation counter. */
  @State(Scope.Thread)
  public static class Cursor {
    int x = (int) System.nanoTime() | 1;
    int op;

    int next() {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x;
    }
  }

  /** One operation: an {@code add} of a present element every 10th call, a {@code contains} otherwise. */
  static boolean work(Set<Object> set, Cursor c) {
    Object key = KEYS[c.next() & MASK];
    if (++c.op == 10) {
      c.op = 0;
      return set.add(key);
    }
    return set.contains(key);
  }

  /* ---- The sets ---- */

  public static class WeakSetState extends SetState {
    @Override
    Set<Object> create() {
      return new WeakSet<>();
    }
  }

  public static class IdentityWeakSetState extends SetState {
    @Override
    Set<Object> create() {
      return WeakSet.identity();
    }
  }

  public static class WeakHashMapSetState extends SetState {
    @Override
    Set<Object> create() {
      return Collections.newSetFromMap(new WeakHashMap<>());
    }
  }

  public static class SynchronizedWeakHashMapSetState extends SetState {
    @Override
    Set<Object> create() {
      return Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    }
  }

  public static class GuavaWeakKeysState extends SetState {
    @Override
    Set<Object> create() {
      return Collections.newSetFromMap(new MapMaker().weakKeys().makeMap());
    }
  }

  public static class CaffeineWeakKeysState extends SetState {
    @Override
    Set<Object> create() {
      return Collections.newSetFromMap(Caffeine.newBuilder().weakKeys().<Object, Boolean>build().asMap());
    }
  }

  public static class ConcurrentHashMapState extends SetState {
    @Override
    Set<Object> create() {
      return ConcurrentHashMap.newKeySet();
    }
  }

  /* ---- One thread: every set ---- */

  @Benchmark
  public boolean weakSet(WeakSetState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean weakSetIdentity(IdentityWeakSetState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean weakHashMapSet(WeakHashMapSetState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean synchronizedWeakHashMapSet(SynchronizedWeakHashMapSetState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean guavaWeakKeys(GuavaWeakKeysState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean caffeineWeakKeys(CaffeineWeakKeysState s, Cursor c) {
    return work(s.set, c);
  }

  @Benchmark
  public boolean concurrentHashMap(ConcurrentHashMapState s, Cursor c) {
    return work(s.set, c);
  }

  /** The thread-safe sets on two threads sharing one set. */
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  @Fork(1)
  @Threads(2)
  public static class TwoThreads {

    @Benchmark
    public boolean weakSet(WeakSetState s, Cursor c) {
      return work(s.set, c);
    }

    @Benchmark
    public boolean weakSetIdentity(IdentityWeakSetState s, Cursor c) {
      return work(s.set, c);
    }

    @Benchmark
    public boolean synchronizedWeakHashMapSet(SynchronizedWeakHashMapSetState s, Cursor c) {
      return work(s.set, c);
    }

    @Benchmark
    public boolean guavaWeakKeys(GuavaWeakKeysState s, Cursor c) {
      return work(s.set, c);
    }

    @Benchmark
    public boolean caffeineWeakKeys(CaffeineWeakKeysState s, Cursor c) {
      return work(s.set, c);
    }

    @Benchmark
    public boolean concurrentHashMap(ConcurrentHashMapState s, Cursor c) {
      return work(s.set, c);
    }
  }
}
