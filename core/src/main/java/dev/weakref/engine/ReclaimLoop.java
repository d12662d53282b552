package dev.weakref.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
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
 */
final class ReclaimLoop implements Runnable {
  private final ReferenceQueue<Object> queue;
  private final Registry registry;

  /** At most this many references per batch while no collect() waits: see the class comment. */
  static final int BATCH_MAX = 256;
  /**
   * The number of {@code collect()} calls waiting. While there is one, a batch takes the whole
   * queue: the queue is a stack, so under a steady inflow a bounded batch might never reach the
   * sentinel at its bottom.
   */
  final AtomicInteger collectors = new AtomicInteger();
  /** The batch being processed; replaced after growing past BATCH_MAX, not to keep a big array. */
  private List<Reference<?>> batch = new ArrayList<>(BATCH_MAX);
  private final List<Sentinel> sentinels = new ArrayList<>();

  /*
   * Written by the engine thread only, with opaque stores (no fence: these are paid per callback);
   * read by stats() and collect()'s diagnosis through the accessors below, which may lag a little.
   * System.nanoTime() is taken once per batch, not per callback: on a virtualized clock it costs
   * about 50 ns, as much as a whole finalizer run.
   */
  private long callbacksRun;
  private int pending;
  private @Nullable Object running;
  private volatile long batchStarted;
  private static final VarHandle CALLBACKS_RUN;
  private static final VarHandle PENDING;
  private static final VarHandle RUNNING;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      CALLBACKS_RUN = l.findVarHandle(ReclaimLoop.class, "callbacksRun", long.class);
      PENDING = l.findVarHandle(ReclaimLoop.class, "pending", int.class);
      RUNNING = l.findVarHandle(ReclaimLoop.class, "running", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  long callbacksRun() {
    return (long) CALLBACKS_RUN.getOpaque(this);
  }

  int pending() {
    return (int) PENDING.getOpaque(this);
  }

  @Nullable Object running() {
    return RUNNING.getOpaque(this);
  }

  long batchStarted() {
    return batchStarted;
  }

  private void setPending(int n) {
    PENDING.setOpaque(this, n);
  }

  /** Counts a callback and names it as running; engine thread only. */
  private void starting(Object what) {
    CALLBACKS_RUN.setOpaque(this, callbacksRun + 1);
    RUNNING.setOpaque(this, what);
  }

  private void finishedRunning() {
    RUNNING.setOpaque(this, (Object) null);
  }

  /** Cleared by every collection; tells the loop when to sweep dropped handles' cells. */
  @SuppressWarnings("unused")
  private Canary canary;

  private final Sweeper sweeper;

  ReclaimLoop(ReferenceQueue<Object> queue, Registry registry) {
    this.queue = queue;
    this.registry = registry;
    this.sweeper = new Sweeper(registry);
    this.canary = new Canary(queue);
  }

  /** A weak reference to garbage: the collector clears it, and so announces itself, every cycle. */
  private static final class Canary extends java.lang.ref.WeakReference<Object> {
    Canary(ReferenceQueue<Object> queue) {
      super(new Object(), queue);
    }
  }

  @Override
  public void run() {
    for (;;) {
      try {
        drainOnce();
      } catch (InterruptedException e) {
        // Nobody may stop the engine by interrupting it: the refs it serves outlive any caller.
        Thread.interrupted();
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, this);
      }
    }
  }

  private void drainOnce() throws InterruptedException {
    // A full batch ended with sentinels waiting: look whether the queue is empty before blocking.
    Reference<?> r = sentinels.isEmpty() ? queue.remove() : queue.poll();
    if (r == null) {
      signalSentinels();
      return;
    }
    boolean drained = false;
    int max = collectors.get() == 0 ? BATCH_MAX : Integer.MAX_VALUE;
    try {
      do {
        batch.add(r);
      } while (batch.size() < max && (r = queue.poll()) != null);
      drained = r == null;
      batchStarted = System.nanoTime();
      setPending(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        Reference<?> ref = batch.get(i);
        batch.set(i, null); // done with it: what it holds need not wait for the end of the batch
        try {
          process(ref);
        } catch (Throwable t) {
          Reclaimer.reportUnraisable(t, ref); // a bug of ours: report it and go on with the batch
        }
        setPending(pending - 1);
      }
    } finally {
      if (batch.size() > BATCH_MAX) {
        batch = new ArrayList<>(BATCH_MAX);
      } else {
        batch.clear();
      }
      setPending(0);
      ReclaimEvents.flush(); // listeners hear of the batch before collect() is told it is done
      if (drained) {
        signalSentinels();
      }
    }
  }

  /** Tells collect() that everything enqueued before its sentinels has been processed. */
  private void signalSentinels() {
    for (Sentinel s : sentinels) {
      s.done.countDown();
    }
    sentinels.clear();
  }

  private void process(Reference<?> ref) {
    if (ref instanceof Canary) {
      canary = new Canary(queue);
      sweeper.afterCollection();
    } else if (ref instanceof Slot slot) {
      reclaim(slot);
    } else if (ref instanceof EngineReference<?> engineRef) {
      starting(engineRef);
      try {
        engineRef.runReclaimed();
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, engineRef);
      } finally {
        finishedRunning();
      }
    } else if (ref instanceof Sentinel sentinel) {
      sentinels.add(sentinel);
    }
  }

  /** Runs the callbacks of a reclaimed referent, newest registration first, then reports it. */
  private void reclaim(Slot slot) {
    registry.remove(slot);
    int fired = 0;
    for (Cell c = slot.head(); c != null; c = c.next) {
      ReclaimAction action = c.action;
      Object handle;
      if (action == null || (handle = c.get()) == null) {
        continue;
      }
      fired++;
      starting(handle);
      try {
        action.reclaimed(handle);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, handle);
      } finally {
        finishedRunning();
      }
    }
    Class<?> type = slot.type;
    slot.clearAfterReclaim();
    ReclaimEvents.referentReclaimed(type, slot.hash, fired);
  }
}
