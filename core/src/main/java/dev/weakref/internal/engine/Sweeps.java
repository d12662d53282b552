package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * When the engine sweeps its {@link HandleTable}: after each collection, once what the collection
 * enqueued has been taken. Engine thread only: {@link ReclaimLoop} asks it at the points named
 * below.
 *
 * <p>A {@link Canary}, a weak reference to garbage, is cleared by every collection and so announces
 * it: its sweep is then due. The sweep waits until the queue is found empty, or the end of the
 * batch in which the next collection's canary came, so that none waits past two collections (one
 * sweep serves both): when a burst of referents dies, the handles the collector enqueued take their
 * cells out of the buckets first ({@link HandleTable#takeDead}), and the sweep then finds those
 * buckets empty instead of aging every cell that is about to be taken, one random memory read
 * each. The loop sweeps before it signals any sentinel, so a {@code collect()} still returns with
 * its collection swept.
 */
final class Sweeps {
  /** How soon a failed Canary allocation is retried when no batch comes before. */
  static final long RETRY_MS = 100;
  /** Test seam: how many Canary allocations are still to fail with an injected OutOfMemoryError. */
  static final AtomicInteger canaryFaults = new AtomicInteger();

  private final ReferenceQueue<Object> queue;
  private final HandleTable table;
  /**
   * Cleared by every collection. Null after an OutOfMemoryError while re-creating it, until a retry
   * succeeds.
   */
  @SuppressWarnings("unused")
  private @Nullable Canary canary;
  /** Whether a collection's canary was processed and its sweep not done yet. */
  private boolean due;
  /** Whether a canary came while {@link #due}: the sweep is done at the end of the batch. */
  private boolean atBatchEnd;

  Sweeps(ReferenceQueue<Object> queue, HandleTable table) {
    this.queue = queue;
    this.table = table;
    this.canary = new Canary(queue);
  }

  /** A weak reference to garbage: the collector clears it, and so announces itself, every cycle. */
  private static final class Canary extends java.lang.ref.WeakReference<Object> {
    Canary(ReferenceQueue<Object> queue) {
      super(new Object(), queue);
    }
  }

  /** Whether the last canary could not be re-created: the loop retries within {@link #RETRY_MS}. */
  boolean canaryMissing() {
    return canary == null;
  }

  /** Re-creates the canary if an OutOfMemoryError took it; at the start of each batch. */
  void renewCanaryIfMissing() {
    if (canary == null) {
      renewCanary();
    }
  }

  private void renewCanary() {
    try {
      if (canaryFaults.get() > 0 && canaryFaults.getAndDecrement() > 0) {
        throw new OutOfMemoryError("injected by a test: no Canary");
      }
      canary = new Canary(queue);
    } catch (OutOfMemoryError e) {
      canary = null; // retried at the next batch, or within RETRY_MS: see ReclaimLoop.drainOnce
    }
  }

  /** Whether {@code ref} is a canary; no side effect. */
  static boolean isCanary(Reference<?> ref) {
    return ref instanceof Canary;
  }

  /**
   * Whether {@code ref}, taken off the queue, is the canary: a collection happened, and its sweep
   * is now due (even if the next canary could not be made).
   */
  boolean collectionSeen(Reference<?> ref) {
    if (!(ref instanceof Canary)) {
      return false;
    }
    renewCanary();
    if (due) {
      atBatchEnd = true; // the previous collection's sweep still waits: one sweep serves both
    }
    due = true;
    return true;
  }

  /** Sweeps the table if a collection asked for it. */
  void sweepIfDue() {
    atBatchEnd = false;
    if (due) {
      due = false;
      table.sweep();
    }
  }

  /** Whether a sweep waits. */
  boolean pending() {
    return due || atBatchEnd;
  }

  /**
   * At the end of a batch: sweeps if a second collection came meanwhile, or if one is due and the
   * queue is empty now. The fill may have found the queue empty or stopped at a full batch, and the
   * reference handler may still be enqueuing a large collection: this look decides either way, so
   * that a batch that ended full on the queue's last reference does not leave the sweep waiting for
   * the next collection.
   *
   * @return the reference this look took off a queue that was not empty after all, which the next
   *     batch must begin with (no user code runs in between), or null
   */
  @Nullable Reference<?> atBatchEnd() {
    if (atBatchEnd) {
      sweepIfDue();
      return null;
    }
    if (!due) {
      return null;
    }
    Reference<?> next = queue.poll();
    if (next == null) {
      sweepIfDue();
    }
    return next;
  }
}
