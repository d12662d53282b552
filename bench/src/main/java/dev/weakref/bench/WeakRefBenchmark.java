package dev.weakref.bench;

import dev.weakref.WeakRef;
import dev.weakref.interop.Weakref;
import java.lang.ref.Cleaner;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code WeakRef} against the raw {@link WeakReference}: {@code get()}, creation with and without a
 * callback, and the shared ref of {@code Weakref.ref(o)}. The {@code cost*} rows break creation
 * down into its parts (identity hash, a second reference object, the registry walk).
 *
 * <p>The {@code create*} rows refer to one long-lived object, so each dropped ref costs its
 * registry cell; the {@code createFresh*} rows make a ref to a fresh object each time, as a ref per
 * listener, cached object or connection does, with {@code Cleaner.register} as the peer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-XX:+AlwaysPreTouch", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class WeakRefBenchmark {
  private static final Consumer<WeakRef<Object>> CALLBACK = r -> {};
  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  private static final Cleaner CLEANER = Cleaner.create();
  private static final Runnable NOTHING = () -> {};

  private Object referent;
  private WeakReference<Object> raw;
  private WeakRef<Object> ours;

  @Setup
  public void setUp() {
    referent = new Object();
    raw = new WeakReference<>(referent);
    ours = new WeakRef<>(referent);
    Weakref.ref(referent); // the shared ref exists from here on
  }

  /**
   * Objects whose shared refs {@code sharedMany} asks for in turn, four per shared slot: a state of
   * its own, so that making their shared refs (the slow path) happens only in that row's forks.
   */
  @State(Scope.Thread)
  public static class Many {
    static final int COUNT = 16_384;
    final Object[] objects = new Object[COUNT];
    int next;

    /** Makes the objects and their shared refs. */
    @Setup
    public void setUp() {
      for (int i = 0; i < COUNT; i++) {
        objects[i] = new Object();
        Weakref.ref(objects[i]);
      }
    }
  }

  /* ---- get() ---- */

  @Benchmark
  public Object get_raw() {
    return raw.get();
  }

  @Benchmark
  public Object get_weakRef() {
    return ours.get();
  }

  /* ---- creation ---- */

  @Benchmark
  public Object create_raw() {
    return new WeakReference<>(referent);
  }

  @Benchmark
  public Object create_rawWithQueue() {
    return new WeakReference<>(referent, QUEUE);
  }

  @Benchmark
  public Object create_weakRef() {
    return new WeakRef<>(referent);
  }

  @Benchmark
  public Object create_weakRefWithCallback() {
    return new WeakRef<>(referent, CALLBACK);
  }

  /** A ref to a fresh object each time: the engine's per-referent record is created too. */
  @Benchmark
  public Object createFresh_raw() {
    return new WeakReference<>(new Object());
  }

  @Benchmark
  public Object createFresh_weakRef() {
    return new WeakRef<>(new Object());
  }

  /**
   * The peer of {@code createFresh_weakRef}: the JDK's own per-object registration, one reference
   * the collector must keep, discover and hand to the cleaner's thread, which unlinks it.
   */
  @Benchmark
  public Object createFresh_cleaner() {
    return CLEANER.register(new Object(), NOTHING);
  }

  /* ---- reuse of the callback-less ref ---- */

  @Benchmark
  public Object shared_weakrefRef() {
    return Weakref.ref(referent);
  }

  /**
   * The shared refs of 16,384 objects in turn: more than the engine's 4,096 shared slots
   * hold, so that most asks miss their slot and walk the bucket (no target: what a program that
   * asks for the shared refs of many objects pays).
   */
  @Benchmark
  public Object sharedMany_weakrefRef(Many many) {
    return Weakref.ref(many.objects[many.next++ & (Many.COUNT - 1)]);
  }

  /* ---- the cost of creation, broken down ---- */

  @Benchmark
  public int cost_identityHash() {
    return System.identityHashCode(referent);
  }

  /** Two reference objects: the ref and the registry's weak cell pointing at it. */
  @Benchmark
  public Object cost_twoReferences() {
    WeakReference<Object> a = new WeakReference<>(referent);
    return new WeakReference<Object>(a, QUEUE);
  }
}
