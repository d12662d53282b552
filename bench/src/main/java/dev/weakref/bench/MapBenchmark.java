package dev.weakref.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.collect.MapMaker;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakValueDictionary;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.collections4.map.AbstractReferenceMap.ReferenceStrength;
import org.apache.commons.collections4.map.ReferenceMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The weak maps under a get/put mix: 64k strongly-held keys (and values), {@code readPercent}% of
 * {@code get} and the rest {@code put} of a present key, uniformly at random. Two mixes: 90/10
 * (read-mostly; the mix the targets are about) and 50/50. Nothing is reclaimed during a run: this
 * measures the lookup and update paths, not the collector.
 *
 * <p>This class runs every map on one thread; {@link TwoThreads} runs the thread-safe ones on two
 * (plain {@code WeakHashMap} and {@code ReferenceMap} are not thread-safe, so they run there only
 * wrapped in {@code Collections.synchronizedMap}). {@code ConcurrentHashMap} (strong) is the ceiling.
 * Targets (90/10 only): {@code weakKeyDictionary} at least {@code weakHashMap} on one thread; the
 * dictionaries at least Guava's and Caffeine's weak maps on two. The 50/50 rows are informational.
 *
 * <pre>{@code java -jar bench/target/benchmarks.jar MapBenchmark              # both mixes
 * java -jar bench/target/benchmarks.jar MapBenchmark -p readPercent=50  # one of them}</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class MapBenchmark {
  static final int SIZE = 1 << 16;
  static final int MASK = SIZE - 1;

  /** A key with a cheap, well-spread hash and equality by identity or id. */
  static final class Key {
    final int id;
    final int hash;

    Key(int id) {
      this.id = id;
      this.hash = id * 0x9E3779B9;
    }

    @Override
    public boolean equals(Object o) {
      return o == this || (o instanceof Key k && k.id == id);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A value object (reference-able, unlike a boxed integer). */
  static final class Value {
    final int id;

    Value(int id) {
      this.id = id;
    }
  }

  /** The keys and values, strongly held for the whole run. */
  static final Key[] KEYS = new Key[SIZE];
  static final Value[] VALUES = new Value[SIZE];

  static {
    for (int i = 0; i < SIZE; i++) {
      KEYS[i] = new Key(i);
      VALUES[i] = new Value(i);
    }
  }

  /** One map under test, filled with all keys. */
  @State(Scope.Benchmark)
  public abstract static class MapState {
    Map<Object, Object> map;

    abstract Map<Object, Object> create();

    @Setup
    public void fill() {
      map = create();
      for (int i = 0; i < SIZE; i++) {
        map.put(KEYS[i], VALUES[i]);
      }
    }
  }

  /**
   * Each thread's random index stream (xorshift), operation counter and mix. The report labels the
   * 90/10 rows without the parameter ({@code Map [1t]}) and the others with it
   * ({@code Map readPercent=50 [1t]}).
   */
  @State(Scope.Thread)
  public static class Cursor {
    /** Percentage of {@code get}s; the rest are {@code put}s. 100 / (100 - readPercent) must be whole. */
    @Param({"90", "50"})
    public int readPercent;

    int x = (int) System.nanoTime() | 1;
    int op;
    /** Every {@code putEvery}-th operation is a put: 10 for 90/10, 2 for 50/50. */
    int putEvery;

    @Setup
    public void mix() {
      int writes = 100 - readPercent;
      if (writes <= 0 || writes > 100 || 100 % writes != 0) {
        throw new IllegalArgumentException(
            "readPercent must leave a write share that divides 100 (90, 50, 80...), got " + readPercent);
      }
      putEvery = 100 / writes;
    }

    int next() {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x;
    }
  }

  /** One operation: a {@code put} every {@code putEvery}-th call, a {@code get} otherwise. */
  static Object work(Map<Object, Object> map, Cursor c) {
    int r = c.next();
    Key key = KEYS[r & MASK];
    if (++c.op == c.putEvery) {
      c.op = 0;
      return map.put(key, VALUES[(r >>> 16) & MASK]);
    }
    return map.get(key);
  }

  /* ---- The maps ---- */

  public static class WeakKeyDictionaryState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new WeakKeyDictionary<>();
    }
  }

  public static class IdentityWeakKeyDictionaryState extends MapState {
    @Override
    Map<Object, Object> create() {
      return WeakKeyDictionary.identity();
    }
  }

  public static class WeakValueDictionaryState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new WeakValueDictionary<>();
    }
  }

  public static class WeakHashMapState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new WeakHashMap<>();
    }
  }

  public static class SynchronizedWeakHashMapState extends MapState {
    @Override
    Map<Object, Object> create() {
      return Collections.synchronizedMap(new WeakHashMap<>());
    }
  }

  public static class GuavaWeakKeysState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new MapMaker().weakKeys().makeMap();
    }
  }

  public static class GuavaWeakValuesState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new MapMaker().weakValues().makeMap();
    }
  }

  public static class CaffeineWeakKeysState extends MapState {
    @Override
    Map<Object, Object> create() {
      return Caffeine.newBuilder().weakKeys().build().asMap();
    }
  }

  public static class CaffeineWeakValuesState extends MapState {
    @Override
    Map<Object, Object> create() {
      return Caffeine.newBuilder().weakValues().build().asMap();
    }
  }

  public static class ReferenceMapState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new ReferenceMap<>(ReferenceStrength.WEAK, ReferenceStrength.HARD);
    }
  }

  public static class SynchronizedReferenceMapState extends MapState {
    @Override
    Map<Object, Object> create() {
      return Collections.synchronizedMap(
          new ReferenceMap<>(ReferenceStrength.WEAK, ReferenceStrength.HARD));
    }
  }

  public static class ConcurrentHashMapState extends MapState {
    @Override
    Map<Object, Object> create() {
      return new ConcurrentHashMap<>();
    }
  }

  /* ---- One thread: every map ---- */

  @Benchmark
  public Object weakKeyDictionary(WeakKeyDictionaryState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object weakKeyDictionaryIdentity(IdentityWeakKeyDictionaryState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object weakValueDictionary(WeakValueDictionaryState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object weakHashMap(WeakHashMapState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object synchronizedWeakHashMap(SynchronizedWeakHashMapState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object guavaWeakKeys(GuavaWeakKeysState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object guavaWeakValues(GuavaWeakValuesState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object caffeineWeakKeys(CaffeineWeakKeysState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object caffeineWeakValues(CaffeineWeakValuesState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object referenceMap(ReferenceMapState s, Cursor c) {
    return work(s.map, c);
  }

  @Benchmark
  public Object concurrentHashMap(ConcurrentHashMapState s, Cursor c) {
    return work(s.map, c);
  }

  /** The thread-safe maps on two threads sharing one map. */
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  @Fork(1)
  @Threads(2)
  public static class TwoThreads {

    @Benchmark
    public Object weakKeyDictionary(WeakKeyDictionaryState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object weakKeyDictionaryIdentity(IdentityWeakKeyDictionaryState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object weakValueDictionary(WeakValueDictionaryState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object synchronizedWeakHashMap(SynchronizedWeakHashMapState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object guavaWeakKeys(GuavaWeakKeysState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object guavaWeakValues(GuavaWeakValuesState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object caffeineWeakKeys(CaffeineWeakKeysState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object caffeineWeakValues(CaffeineWeakValuesState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object synchronizedReferenceMap(SynchronizedReferenceMapState s, Cursor c) {
      return work(s.map, c);
    }

    @Benchmark
    public Object concurrentHashMap(ConcurrentHashMapState s, Cursor c) {
      return work(s.map, c);
    }
  }
}
