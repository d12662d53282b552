package dev.weakref.internal.engine;

import static dev.weakref.internal.engine.Engine.LOOP;
import static dev.weakref.internal.engine.Engine.QUEUE;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The {@code collect()} barrier: forces a collection and waits, through {@link Sentinel}s, until
 * every reference it cleared has been processed.
 *
 * <p><b>Internal:</b> public only for {@link dev.weakref.engine.Reclaimer#collect(Duration)}, which
 * documents the behaviour.
 */
public final class CollectBarrier {
  private CollectBarrier() {}

  /**
   * Forces a collection and returns once everything it caused has run: see
   * {@link dev.weakref.engine.Reclaimer#collect(Duration)}.
   *
   * @param timeout how long to wait at most
   * @throws IllegalStateException on timeout, if explicit collections are disabled, or past the
   *     nesting bound of calls from callbacks
   */
  public static void collect(Duration timeout) {
    Object event = Jfr.collectBegin(); // null unless a Flight Recorder recording wants it
    int[] gcs = {0};
    boolean nested = Engine.isEngineThread();
    boolean succeeded = false;
    try {
      long start = System.nanoTime();
      collect(timeout, nested, gcs);
      // A no-op once the bean is registered; bounded by what is left of the timeout.
      EngineBean.awaitRegistration(timeout.toMillis() - (System.nanoTime() - start) / 1_000_000);
      succeeded = true;
    } finally {
      if (event != null) {
        Jfr.collectEnd(event, gcs[0], nested, succeeded);
      }
    }
  }

  private static void collect(Duration timeout, boolean nested, int[] gcsForced) {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (ExplicitGc.disabled()) {
      throw new IllegalStateException("collect() failed at once: " + GC_DISABLED);
    }
    if (nested) {
      LOOP.collectNested(timeout, deadline, gcsForced);
      return;
    }
    Object token = Engine.token(); // the engine thread runs while this waits: see Engine
    // Why a collection and then two rounds, each a sentinel and a collection. What must be proven
    // is that every reference the first whole-heap collection (call it B: see collectWholeHeap)
    // cleared has been enqueued and processed. B has put them on the JVM's pending list by the time
    // it returns. The reference handler takes that list whole and enqueues it before it takes the
    // next; but a list published while an earlier one is still pending is prepended to it (HotSpot
    // links the newer list in front), so a later collection's references may reach the queue
    // before B's.
    // - Round 1's sentinel is created after B returned, so whatever collection clears it publishes
    //   it after B's list: once the loop has taken it, the handler has taken B's list too (with it,
    //   or before). But B's references may still be on their way, behind the sentinel.
    // - Round 2's sentinel is created after that, so it is on a list the handler takes only after it
    //   has enqueued all of B's list. The loop signals it only once it has found the queue empty
    //   after taking it, and processed everything it took: B's references are processed.
    // Two rounds alone, the first sentinel created before B, would rely on that sentinel being on
    // B's own list; an unrelated collection that clears it between its creation and B breaks that:
    // round 1 then ends with B's list maybe not taken, round 2's list can be merged in front of it,
    // and collect() could return before B's references are processed. Hence the third collection.
    LOOP.collectorWaiting(); // the loop then drains whole queues: see ReclaimLoop
    try {
      forceAndAwait(timeout, deadline, gcsForced, null,
          sentinel -> sentinel.done.await(20, TimeUnit.MILLISECONDS));
    } finally {
      LOOP.collectorDone();
      java.lang.ref.Reference.reachabilityFence(token);
    }
  }

  /** How a {@code collect()} waits for a round's sentinel: see {@link #forceAndAwait}. */
  interface RoundWait {
    /**
     * Waits a little (about 20 ms at most) for {@code sentinel}.
     *
     * @return whether everything enqueued before it has been processed
     */
    boolean done(Sentinel sentinel) throws InterruptedException;
  }

  /**
   * The proof of completion that every {@code collect()} waits for, on the engine thread or not: a
   * collection, then two rounds, each a sentinel that {@code wait} waits for while this forces
   * collections until the collector has cleared it (see the comment in {@code collect} for why).
   *
   * @param gcsForced where to count the {@code System.gc()} calls made, at index 0
   * @param onEngineThread for the timeout message, on the engine thread: what it waits for
   * @throws IllegalStateException on timeout, or if the thread was interrupted
   */
  static void forceAndAwait(Duration timeout, long deadline, int[] gcsForced,
      @Nullable String onEngineThread, RoundWait wait) {
    try {
      collectWholeHeap(timeout, deadline, gcsForced);
      for (int round = 1; round <= 2; round++) {
        Sentinel sentinel = new Sentinel(QUEUE);
        int gcs = 0;
        do {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(
                timeoutMessage(timeout, sentinel, gcs + 1, onEngineThread));
          }
          if (!sentinel.refersTo(null) || gcs == 0) {
            System.gc();
            gcs++;
            gcsForced[0]++;
          }
        } while (!wait.done(sentinel));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("collect() interrupted", e);
    }
  }

  /**
   * The collection called B in {@code collect}: calls {@code System.gc()} until a collection of the
   * whole heap has run since this was called. Serial, Parallel and G1 skip {@code System.gc()},
   * saying nothing, while any thread is in a JNI critical region (the GCLocker: zip inflation, a
   * checksum, class loading from a jar, on any thread, the engine's own {@code weakref-jmx}
   * included); the region's end then brings only a young collection, which may clear the sentinels
   * but leaves every referent in the old generation alone, so the collect() would return with them
   * unreached.
   */
  private static void collectWholeHeap(Duration timeout, long deadline, int[] gcsForced) {
    long before = WholeHeap.collections();
    System.gc();
    gcsForced[0]++;
    for (int calls = 1; before >= 0 && WholeHeap.collections() == before; calls++) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("collect() timed out after " + timeout.toMillis()
            + " ms: " + calls + " System.gc() calls did not collect the whole heap (likely a"
            + " thread held in a JNI critical region, which makes the collector skip them)");
      }
      LockSupport.parkNanos(1_000_000); // let the thread in the critical region leave it
      System.gc();
      gcsForced[0]++;
    }
  }

  /**
   * Test seam: whether {@link WholeHeap} has read the management beans. Set once, by that class's
   * initialisation, and read through {@link #wholeHeapRead()} only: no public API tells whether a
   * class was initialised without initialising it, and the time the first {@code collect()} takes
   * proves nothing, so this flag is how a child JVM of {@code CollectBeansAtStartTest} sees that
   * the beans were read before any {@code collect()}.
   */
  private static volatile boolean wholeHeapRead;

  /** Test seam: whether the management beans that {@code collect()} reads have been read. */
  static boolean wholeHeapRead() {
    return wholeHeapRead;
  }

  /**
   * Reads what {@code collect()} reads of the management beans (which collectors collect the whole
   * heap: some 20 ms; whether explicit collections are disabled), so that the first
   * {@code collect()} does not pay it inside its deadline. Called once, by the thread that
   * registers the engine's MBean ({@link EngineBean}), after it: that thread has loaded
   * {@code java.management} already, and runs as the engine starts, as a rule well before a
   * {@code collect()} comes (one that comes sooner reads them itself, or waits for this read on
   * the classes' initialisation, as it paid before). Where no such thread runs
   * ({@code -Ddev.weakref.jmx=false}, a library loaded by a class loader of its own), the first
   * {@code collect()} reads them itself, and a JVM that never calls it, never. Never throws: a
   * failure (a class initialisation out of memory) is reported, and shows again at
   * {@code collect()} as the {@code NoClassDefFoundError} of the class that failed.
   */
  static void readBeansOnce() {
    try {
      WholeHeap.collections();
      ExplicitGc.disabled();
    } catch (Throwable t) {
      Unraisable.report(t, CollectBarrier.class);
    }
  }

  /**
   * Counts the collections of the whole heap. Under Serial and Parallel these are the collections
   * of the beans that name every heap pool (the others are the young collections). G1's beans all
   * name every pool (JDK 17) or its concurrent one names the old only (JDK 20 on), so there the
   * count is that of the bean of its full collections, {@code "G1 Old Generation"}, which a
   * {@code System.gc()} runs, unless {@code -XX:+ExplicitGCInvokesConcurrent} makes it start a
   * concurrent cycle instead. Where nothing can be told apart (ZGC, Shenandoah, that flag, beans
   * that cannot be read), {@link #collections()} is -1 and collect() does as it did without this.
   */
  private static final class WholeHeap {
    private static final List<GarbageCollectorMXBean> COLLECTORS = collectors();

    static {
      wholeHeapRead = true;
    }

    private static List<GarbageCollectorMXBean> collectors() {
      try {
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean gc : beans) {
          if (gc.getName().equals("G1 Old Generation")) {
            return explicitGcInvokesConcurrent() ? List.of() : List.of(gc);
          }
        }
        Set<String> heap = new HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
          if (pool.getType() == MemoryType.HEAP) {
            heap.add(pool.getName());
          }
        }
        List<GarbageCollectorMXBean> whole = new ArrayList<>();
        boolean partial = false;
        for (GarbageCollectorMXBean gc : beans) {
          if (List.of(gc.getMemoryPoolNames()).containsAll(heap)) {
            whole.add(gc);
          } else {
            partial = true;
          }
        }
        return partial && !heap.isEmpty() ? whole : List.of();
      } catch (Throwable t) { // no java.management beans: collect() does as it did without them
        return List.of();
      }
    }

    /** Whether the JVM was started with -XX:+ExplicitGCInvokesConcurrent (true if unsure). */
    private static boolean explicitGcInvokesConcurrent() {
      try {
        return Boolean.parseBoolean(ManagementFactory
            .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
            .getVMOption("ExplicitGCInvokesConcurrent").getValue());
      } catch (Throwable t) { // jdk.management absent: read the command line instead
        return ManagementFactory.getRuntimeMXBean().getInputArguments()
            .contains("-XX:+ExplicitGCInvokesConcurrent");
      }
    }

    /** The number of whole-heap collections so far, or -1 if they are not told apart. */
    static long collections() {
      if (COLLECTORS.isEmpty()) {
        return -1;
      }
      long n = 0;
      for (GarbageCollectorMXBean gc : COLLECTORS) {
        long c = gc.getCollectionCount();
        if (c < 0) {
          return -1;
        }
        n += c;
      }
      return n;
    }
  }

  private static final String GC_DISABLED = "-XX:+DisableExplicitGC is set, so System.gc() does"
      + " nothing and the garbage collector clears no weakly-reachable object when asked to";

  /** Reads {@code DisableExplicitGC}, which is manageable (can change at run time), when it can. */
  private static final class ExplicitGc {
    private static final @Nullable Object BEAN = bean();
    /** From the command line, when the VM option cannot be read. */
    private static final boolean FROM_ARGUMENTS = fromArguments();

    private static @Nullable Object bean() {
      try {
        return java.lang.management.ManagementFactory.getPlatformMXBean(
            com.sun.management.HotSpotDiagnosticMXBean.class);
      } catch (Throwable t) { // no jdk.management module, or no HotSpot
        return null;
      }
    }

    private static boolean fromArguments() {
      if (BEAN != null) {
        return false;
      }
      try {
        boolean disabled = false;
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
          if (a.equals("-XX:+DisableExplicitGC")) {
            disabled = true;
          } else if (a.equals("-XX:-DisableExplicitGC")) {
            disabled = false; // the last one wins, as for the JVM
          }
        }
        return disabled;
      } catch (Throwable t) {
        return false;
      }
    }

    static boolean disabled() {
      if (BEAN != null) {
        try {
          return Boolean.parseBoolean(((com.sun.management.HotSpotDiagnosticMXBean) BEAN)
              .getVMOption("DisableExplicitGC").getValue());
        } catch (Throwable t) {
          return false; // no such option on this VM
        }
      }
      return FROM_ARGUMENTS;
    }
  }

  static String timeoutMessage(Duration timeout, Sentinel sentinel, int gcs,
      @Nullable String onEngineThread) {
    String what;
    if (!sentinel.refersTo(null)) {
      what = ExplicitGc.disabled()
          ? GC_DISABLED
          : "the garbage collector has not cleared a weakly-reachable object after " + gcs
              + " System.gc() calls (is -XX:+DisableExplicitGC set?)";
    } else if (onEngineThread != null) {
      what = onEngineThread + " (collect() called from a callback on the weakref-reclaimer thread)";
    } else {
      Object running = LOOP.userCode.running();
      what = running != null
          ? "the weakref-reclaimer thread is still running " + LOOP.userCode.describeRunning(running)
              + " (its batch began " + (System.nanoTime() - LOOP.batchStarted()) / 1_000_000
              + " ms ago), and every other callback waits for it; " + LOOP.pending()
              + " dequeued references not yet processed"
          : "the weakref-reclaimer thread has not processed the collection yet ("
              + LOOP.pending() + " dequeued references pending; thread "
              + (Engine.isAlive() ? "alive" : "not alive") + ")";
    }
    return "collect() timed out after " + timeout.toMillis() + " ms: " + what;
  }
}
