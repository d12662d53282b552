package dev.weakref.internal.engine;

import dev.weakref.internal.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The body of the {@code weakref-reclaimer} thread: a dull loop, on purpose.
 *
 * <p>It blocks on the queue, then takes what is already there with {@code poll()}, at most
 * {@link #BATCH_MAX} references per batch (all of them while a {@code collect()} waits), and works
 * through them. A {@link Sentinel} is signalled only at the end of a batch whose draining found the
 * queue empty: every reference enqueued before the sentinel has then been taken and processed (the
 * queue is a stack, so they may be taken after it). Bounding the batch lets the engine run
 * callbacks while the reference handler is still enqueuing a large collection's references,
 * instead of first racing it for the queue's lock until it has enqueued them all; a waiting
 * {@code collect()} gives that up for the certainty of reaching its sentinel. Each callback runs
 * inside its own {@code try}; whatever it throws goes to the unraisable hook, and the loop itself
 * catches everything, so the thread never dies of a callback.
 *
 * <p><b>Nothing taken is lost.</b> The batch is worked through with a cursor kept in a field, and a
 * reference leaves the batch only as it is processed: a {@code collect()} called by a callback
 * ({@link #collectNested}) goes on with the same batch and cursor, so nothing is run twice and
 * nothing skipped; an {@link OutOfMemoryError} while the batch grows first processes what the batch
 * holds, then reuses its array; one while re-creating the canary ({@link Sweeps}) is retried at
 * the next batch or within {@link Sweeps#RETRY_MS} ms, and the collection it announced is swept all
 * the same.
 *
 * <p><b>What a callback leaves on the thread does not outlive it.</b> After each callback the loop
 * clears the thread's interrupt status and resets its context class loader to {@code null} (a
 * reset that fails, denied by a security manager, is reported, and the batch goes on).
 * Thread-locals cannot be erased without opening {@code java.base}, so after a batch that ran user
 * code the loop hands its work to a fresh thread ({@link Engine#handOver}) and lets this one end,
 * which drops its thread-locals: at once when a {@code collect()} waits (the new thread signals the
 * sentinels only once the old one has ended, so {@code collect()} returns with the thread-locals
 * gone), otherwise once {@link #HANDOVER_MS} ms have passed since user code first ran on the thread,
 * whether the engine is busy or idle. So a thread is started at most every {@link #HANDOVER_MS} ms
 * plus once per {@code collect()}, never per callback.
 *
 * <p><b>What a callback that runs long is told by.</b> The loop tells {@link RunningUserCode} each
 * run of user code it starts and finishes; the {@link Watchdog} and collect()'s timeout read it.
 *
 * <p><b>The thread ends when nothing needs it.</b> Between batches the loop lets go of the
 * {@link Engine}'s pinned token once the table of tracked handles and the listeners are empty
 * ({@link Engine#unpinIfIdle}). Once the collector has cleared the engine's
 * {@link Engine.Generation} (nothing holds its token any more), the loop processes it like any
 * reference, and its thread ends before its next wait, once no sentinel waits and a look finds the
 * queue empty (what was left there is processed first), unless a registration made a new token
 * meanwhile ({@link Engine#stop}); see {@link Engine} for why no registration is missed.
 */
final class ReclaimLoop implements Runnable {
  private final ReferenceQueue<Object> queue;
  private final HandleTable table;

  /** At most this many references per batch while no collect() waits: see the class comment. */
  static final int BATCH_MAX = 256;
  /**
   * The number of {@code collect()} calls waiting. While there is one, a batch takes the whole
   * queue: the queue is a stack, so under a steady inflow a bounded batch might never reach the
   * sentinel at its bottom.
   */
  private final AtomicInteger collectors = new AtomicInteger();
  /**
   * How deep {@code collect()} calls made by callbacks may nest: a callback's {@code collect()} runs
   * callbacks, which may call {@code collect()} in turn, up to this depth; one more throws.
   */
  static final int MAX_NESTED_COLLECTS = 8;
  /** How long user code's thread-locals may stay on an engine thread that no collect() waits for. */
  static final long HANDOVER_MS = 1000;

  /*
   * The kinds of reference taken off the queue, as kindOf tells them apart and process dispatches
   * on them: a collection's canary (Sweeps), a tenured cell whose handle was dropped, an engine
   * reference (a finalizer, a ReclaimQueue's), the engine's generation, a collect()'s sentinel, and
   * a tracked handle's reference (whatever is left).
   */
  private static final int CANARY = 0;
  private static final int CELL = 1;
  private static final int ENGINE_REFERENCE = 2;
  private static final int GENERATION = 3;
  private static final int SENTINEL = 4;
  private static final int HANDLE = 5;

  /*
   * Engine-thread state. A handover to a fresh thread publishes it through Thread.start(), and the
   * new thread reads it only after join() on the old one.
   */
  /** The batch being processed; replaced after growing past BATCH_MAX, not to keep a big array. */
  private List<Reference<?>> batch = new ArrayList<>(BATCH_MAX);
  /** What engine references asked to run once the batch is done (EngineReference.atBatchEnd). */
  private final ArrayList<Runnable> batchEnd = new ArrayList<>();
  /** The index of the batch's next reference to process: shared by nested collect()s. */
  private int cursor;
  /**
   * Whether a cleared {@link Engine.Generation} was processed: nothing needs this thread any more,
   * and it ends before its next wait on the queue, once no sentinel waits and a look finds the
   * queue empty.
   */
  private boolean generationEnded;
  /** Whether the last fill of the batch found the queue empty. */
  private boolean drained;
  /** When the table is swept: after each collection, once what it enqueued is taken. */
  private final Sweeps sweeps;
  /**
   * A reference taken off the queue by the look that found it not empty after all at the end of a
   * batch ({@link Sweeps#atBatchEnd}), or before the thread ends: the next batch begins with it. It
   * keeps the engine's token reachable as it did on the queue.
   */
  private @Nullable Reference<?> carried;
  /** Sentinels taken off the queue and not yet signalled, linked through Sentinel.nextTaken. */
  private @Nullable Sentinel sentinels;
  /** How many collect() calls made by callbacks are running on this thread, one inside the other. */
  private int nested;
  /** System.nanoTime() of the batch in which user code first ran on the current thread. */
  private long userCodeSince;
  /** The nodes of the batch's tracked handles' references, taken out of the table ahead. */
  private final TakeAhead ahead;
  /** Test seam: how many batch growths past BATCH_MAX are still to fail (an injected OOM). */
  static final AtomicInteger growthFaults = new AtomicInteger();

  /** What user code runs on this loop's thread: for the watchdog, JFR, the stats and collect(). */
  final RunningUserCode userCode = new RunningUserCode();

  /*
   * Written by the engine thread only, with opaque stores (no fence: these are paid per reference);
   * read by stats() and collect()'s diagnosis through the accessors below, which may lag a little.
   * System.nanoTime() is taken once per batch, not per callback: on a virtualized clock it costs
   * about 50 ns, as much as a whole finalizer run.
   */
  private int pending;
  private volatile long batchStarted;
  private static final VarHandle PENDING =
      VarHandles.field(MethodHandles.lookup(), "pending", int.class);

  /** How many callbacks were started: see {@link RunningUserCode#callbacksRun()}. */
  long callbacksRun() {
    return userCode.callbacksRun();
  }

  int pending() {
    return (int) PENDING.getOpaque(this);
  }

  long batchStarted() {
    return batchStarted;
  }

  private void setPending(int n) {
    PENDING.setOpaque(this, n);
  }

  ReclaimLoop(ReferenceQueue<Object> queue, HandleTable table) {
    this.queue = queue;
    this.table = table;
    this.sweeps = new Sweeps(queue, table);
    this.ahead = new TakeAhead(table);
  }

  @Override
  public void run() {
    EngineBean.registerOnce(); // JMX: once, on a thread of its own (see EngineBean)
    for (boolean going = true; going; ) {
      try {
        going = drainOnce();
      } catch (InterruptedException e) {
        // Nobody may stop the engine by interrupting it: the refs it serves outlive any caller.
        Thread.interrupted();
      } catch (Throwable t) {
        Unraisable.report(t, this);
      } finally {
        userCode.batchDone();
      }
    }
  }

  /**
   * Takes one batch off the queue and processes it.
   *
   * @return false once the work was handed to a fresh thread: this one must end
   */
  private boolean drainOnce() throws InterruptedException {
    if (generationEnded && sentinels == null && carried == null) {
      // What is left on the queue (as a rule references whose processing does nothing now: a
      // container's entry removed while it was pending, a closed ReclaimQueue's) is processed
      // first, batch by batch: left there, it held its memory until the next engine start.
      carried = queue.poll();
      if (carried == null) {
        generationEnded = false;
        if (Engine.stop()) {
          try {
            table.trim(); // no sweep comes before something is tracked again: give the buckets back
          } catch (Throwable t) {
            // The buckets stay until the next sweep: a cost, not a fault. This thread must end all
            // the same (its generation is over), and no user hook runs once it is.
          }
          handingOver(); // this thread ends: what user code left on it goes with it
          return false;
        }
      }
    }
    sweeps.renewCanaryIfMissing();
    Reference<?> r;
    if (carried != null) {
      r = carried;
      carried = null;
    } else if (sentinels != null) {
      r = queue.poll(); // a full batch ended with sentinels waiting: is the queue empty now?
      if (r == null) {
        sweeps.sweepIfDue(); // before any handover: the new thread may signal the sentinels at once
        if (userCode.ran && Engine.handOver()) {
          return false; // the new thread signals them once this one has ended, as below
        }
        signalSentinels();
        return true;
      }
    } else if (userCode.ran || sweeps.canaryMissing()) {
      long wait = sweeps.canaryMissing() ? Sweeps.RETRY_MS : HANDOVER_MS;
      if (userCode.ran) {
        wait = Math.min(wait, HANDOVER_MS - (System.nanoTime() - userCodeSince) / 1_000_000);
      }
      r = queue.remove(Math.max(1, wait));
      if (r == null) {
        return !(userCode.ran && handOverDue() && Engine.handOver());
      }
    } else {
      r = queue.remove();
    }
    Object event = Jfr.batchBegin(); // null unless a Flight Recorder recording wants it
    long callbacksBefore = userCode.callbacksRun();
    int references = 0;
    try {
      fill(r, collectors.get() == 0 ? BATCH_MAX : Integer.MAX_VALUE);
      references = batch.size() - cursor;
      batchStarted = System.nanoTime();
      processBatch();
    } finally {
      if (cursor == batch.size()) { // always, but for an Error thrown outside any callback
        if (batch.size() > BATCH_MAX) {
          batch = new ArrayList<>(BATCH_MAX);
        } else {
          batch.clear();
        }
        restart();
      }
      setPending(batch.size() - cursor);
    }
    runBatchEnd();
    ReclaimEvents.flush(); // listeners hear of the batch before collect() is told it is done
    if (ReclaimEvents.takeListenersRan()) {
      userCode.ran = true; // a listener is user code too: see the handover in the class comment
    }
    Reference<?> next = sweeps.atBatchEnd(); // sweeps once what the collection enqueued is taken
    if (next != null) {
      carried = next; // the next batch begins with it
      drained = false; // no sentinel is signalled before it is processed
    }
    Engine.unpinIfIdle();
    if (event != null) {
      Jfr.batchEnd(event, references, userCode.callbacksRun() - callbacksBefore);
    }
    if (userCode.ran && userCodeSince == 0) {
      userCodeSince = batchStarted | 1; // never 0
    }
    if (drained && sentinels != null) {
      if (userCode.ran && Engine.handOver()) {
        return false; // the new thread signals them once this one has ended: see the class comment
      }
      signalSentinels();
    } else if (userCode.ran && handOverDue() && Engine.handOver()) {
      return false;
    }
    return true;
  }

  private boolean handOverDue() {
    return System.nanoTime() - userCodeSince >= HANDOVER_MS * 1_000_000;
  }

  /** A {@code collect()} begins to wait: batches take the whole queue until it is done. */
  void collectorWaiting() {
    collectors.incrementAndGet();
  }

  /** A {@code collect()} that called {@link #collectorWaiting} is done waiting. */
  void collectorDone() {
    collectors.decrementAndGet();
  }

  /** Resets the per-thread state before the work goes to a fresh thread; engine thread only. */
  void handingOver() {
    userCode.ran = false;
    userCodeSince = 0;
  }

  /**
   * Adds {@code r}, then what the queue holds, to the batch until it has {@code max} references;
   * sets {@link #drained}. An OutOfMemoryError while the batch grows loses nothing: what the batch
   * holds is processed first, then the batch is emptied and filling goes on in its array.
   */
  private void fill(Reference<?> r, int max) {
    do {
      try {
        if (batch.size() >= BATCH_MAX && growthFaults.get() > 0
            && growthFaults.getAndDecrement() > 0) {
          throw new OutOfMemoryError("injected by a test: the batch cannot grow");
        }
        batch.add(r);
      } catch (OutOfMemoryError e) {
        processBatch(); // frees no memory, but makes the batch's array reusable
        batch.clear();
        restart();
        batch.add(r); // within the array's capacity: allocates nothing
      }
    } while (batch.size() - cursor < max && (r = queue.poll()) != null);
    drained = r == null;
    setPending(batch.size() - cursor);
  }

  /**
   * Sets the cursor back to the start of an emptied batch, and with it the window of nodes taken
   * ahead ({@link TakeAhead#restart}).
   */
  private void restart() {
    cursor = 0;
    ahead.restart();
  }

  /**
   * Processes the batch from the cursor to its end. Re-entrant: a callback's collect() goes on with
   * the same cursor, so what it processes the outer call does not see again.
   */
  private void processBatch() {
    while (cursor < batch.size()) {
      if (!ahead.covers(cursor)) {
        ahead.take(batch, cursor); // the nodes of the next window's tracked handles' references
      }
      int i = cursor++;
      Reference<?> ref = batch.get(i);
      batch.set(i, null); // done with it: what it holds need not wait for the end of the batch
      try {
        process(ref, i);
      } catch (Throwable t) {
        // A bug of ours: claim the node taken ahead for ref first (a hook that calls collect() as
        // the error is reported moves the window on, which would drop it), report, go on.
        Node unclaimed = ahead.unclaimed(ref, i);
        Unraisable.report(t, ref);
        runUnclaimed(unclaimed, ref);
      }
      setPending(batch.size() - cursor);
    }
  }

  /**
   * After {@link #process} threw for {@code ref}: runs the callbacks of {@code unclaimed}, the node
   * taken ahead for it that was not handed out ({@link TakeAhead#unclaimed}), if any. That node is
   * out of the table, where it stayed when a reference took its own: without this its callbacks
   * were lost with the error.
   */
  private void runUnclaimed(@Nullable Node unclaimed, Reference<?> ref) {
    if (unclaimed == null) {
      return;
    }
    try {
      ReferentCallbacks.run(unclaimed, userCode);
    } catch (Throwable t) {
      Unraisable.report(t, ref);
    }
  }

  /**
   * What {@code ref}, taken off the queue, is: the one classification that {@link #process}
   * dispatches on and the take ahead ({@link #isHandleReference}) selects by, so that the two cannot
   * disagree.
   */
  private static int kindOf(Reference<?> ref) {
    if (Sweeps.isCanary(ref)) {
      return CANARY;
    } else if (ref instanceof Cell) {
      return CELL;
    } else if (ref instanceof EngineReference) {
      return ENGINE_REFERENCE;
    } else if (ref instanceof Engine.Generation) {
      return GENERATION;
    } else if (ref instanceof Sentinel) {
      return SENTINEL;
    }
    return HANDLE; // what is left is a tracked handle's reference (see HandleAccess)
  }

  /** Whether {@link #process} treats {@code ref} as a tracked handle's reference. */
  static boolean isHandleReference(Reference<?> ref) {
    return kindOf(ref) == HANDLE;
  }

  /** Queues a task for the end of the batch; engine thread only. */
  void atBatchEnd(Runnable task) {
    batchEnd.add(task);
  }

  /** Runs the tasks queued for the end of the batch, and those they queue; user code, each. */
  private void runBatchEnd() {
    for (int i = 0; i < batchEnd.size(); i++) {
      Runnable task = batchEnd.get(i);
      if (task == null) {
        continue; // taken by an outer run of this loop, whose task called collect()
      }
      batchEnd.set(i, null);
      userCode.userCodeStarting(task, null);
      try {
        task.run(); // tells its own listeners' failures to the hook: this catches a bug of ours
      } catch (Throwable t) {
        Unraisable.report(t, task);
      }
      userCode.finishedRunning(task); // never throws: the tasks after it run
    }
    batchEnd.clear();
  }

  /** Tells collect() that everything enqueued before its sentinels has been processed. */
  private void signalSentinels() {
    for (Sentinel s = sentinels; s != null; ) {
      Sentinel next = s.nextTaken;
      s.nextTaken = null;
      s.done.countDown();
      s = next;
    }
    sentinels = null;
  }

  /**
   * {@code collect()} called by a callback, on this thread: forces the collection and processes
   * what it caused right here, re-entrantly, the rest of the current batch first, with the same
   * proof of completion as {@link CollectBarrier#collect(Duration)} (see there). It signals no sentinel:
   * those of {@code collect()} calls on other threads wait until the callbacks on this thread's
   * stack have returned too, at the end of the outermost batch.
   *
   * @param gcsForced where to count the {@code System.gc()} calls made, at index 0 (for its event)
   * @throws IllegalStateException past {@link #MAX_NESTED_COLLECTS} nested calls, on timeout, or
   *     if the thread was interrupted (by the callback itself: nobody else can)
   */
  void collectNested(Duration timeout, long deadline, int[] gcsForced) {
    if (nested >= MAX_NESTED_COLLECTS) {
      throw new IllegalStateException("collect() called from a callback nested "
          + (nested + 1) + " deep on the weakref-reclaimer thread: at most "
          + MAX_NESTED_COLLECTS + " collect() calls may run one inside the other's callbacks");
    }
    RunningUserCode.Outer outer = userCode.nestedCollectStarting(); // allocates: before the counts
    nested++;
    collectorWaiting();
    try {
      // Done once this thread has taken the sentinel, then found the queue empty with everything
      // it took processed. The sentinels of collect() calls waiting on other threads are left for
      // the outermost batch to signal: the callback that called this one has not returned yet.
      CollectBarrier.forceAndAwait(timeout, deadline, gcsForced,
          "the reference handler has not handed this thread the collection's references",
          this::nestedRoundDone);
      runBatchEnd(); // what this collect() caused has run when it returns, as at a batch's end
    } finally {
      userCode.nestedCollectDone(outer);
      collectorDone();
      nested--;
    }
  }

  /**
   * A nested {@code collect()}'s wait: processes the rest of the current batch, then what the queue
   * brings within 20 ms.
   *
   * @return whether {@code sentinel} was taken and the queue then found empty, everything taken
   *     processed
   */
  private boolean nestedRoundDone(Sentinel sentinel) throws InterruptedException {
    processBatch(); // the rest of the batch the calling callback belongs to, first
    Reference<?> r = queue.remove(20);
    boolean empty;
    if (r == null) {
      drained = true;
      empty = true; // and everything taken has been processed
    } else {
      fill(r, Integer.MAX_VALUE);
      processBatch();
      empty = drained;
    }
    if (empty) {
      sweeps.sweepIfDue(); // done before this collect() returns, as before a sentinel is signalled
    }
    return sentinel.taken && empty;
  }

  /**
   * Whether a sweep waits, or a reference was carried to the next batch; a test seam, read from the
   * engine thread or while a test holds it (in a reference's {@code reclaimed()}).
   */
  boolean sweepPending() {
    return sweeps.pending() || carried != null;
  }

  /** Processes {@code ref}, the batch's reference at {@code index}. */
  private void process(Reference<?> ref, int index) {
    switch (kindOf(ref)) {
      case HANDLE -> {
        // Its referent is gone. Its node was taken ahead with those of its neighbours in the batch
        // (TakeAhead), or is taken now.
        ReferentCallbacks.run(ahead.nodeFor(ref, index), userCode);
      }
      case CANARY -> sweeps.collectionSeen(ref); // a collection happened: its sweep is due
      case CELL -> table.markDirty((Cell) ref); // tenured, its handle dropped: sweep its bucket
      case ENGINE_REFERENCE -> {
        EngineReference<?> engineRef = (EngineReference<?>) ref;
        Object event = userCode.callbackStarting(engineRef, null);
        try {
          engineRef.runReclaimed();
        } catch (Throwable t) {
          Unraisable.report(t, engineRef);
        } finally {
          userCode.callbackFinished(event, engineRef);
        }
      }
      case GENERATION -> {
        // Nothing held the token: this thread ends once no sentinel waits and the queue is found
        // empty (see drainOnce), unless a registration made a new token meanwhile (Engine.stop).
        generationEnded = true;
      }
      default -> { // SENTINEL
        Sentinel sentinel = (Sentinel) ref;
        sentinel.taken = true;
        sentinel.nextTaken = sentinels; // linked, not added to a list: taking one allocates nothing
        sentinels = sentinel;
      }
    }
  }

  /**
   * Test seam: how many dead handles' nodes were taken one by one, not ahead; read it only after a
   * {@code Reclaimer.collect()} returned (see {@link TakeAhead#ownTakes}).
   */
  long ownTakes() {
    return ahead.ownTakes;
  }
}
