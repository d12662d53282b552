package dev.weakref.internal.engine;

import java.util.concurrent.TimeUnit;

/**
 * The exit run's wait for its finalizers' events: the JVM halts once the shutdown hooks have
 * finished, so a finalizer run at exit waits (for a bounded time over the whole run) until the
 * engine thread has delivered its event to the listeners.
 */
final class ExitDelivery {
  /** How long the exit run may wait in all for its finalizers' events to be delivered. */
  static final long EXIT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** What is left of it; used by the exit hook's thread only. */
  private static long exitWaitLeft = EXIT_WAIT_NANOS;

  private ExitDelivery() {}

  /**
   * Waits until the engine has delivered what was handed over so far, for at most what is left of
   * {@link #EXIT_WAIT_NANOS} over the whole exit run: a stuck callback on the engine thread must
   * not hold the exit up for long.
   */
  static void await() {
    long budget = exitWaitLeft;
    if (budget <= 0) {
      return;
    }
    long start = System.nanoTime();
    Object token = Engine.token(); // the engine thread runs while this waits: see Engine
    // Signalled only at the end of an engine batch that found the queue empty, after the batch's
    // events were delivered; the Wake enqueued before it has been taken by then.
    Sentinel s = new Sentinel(Engine.QUEUE);
    s.enqueue();
    try {
      // An engine thread inside Runtime.exit (a finalizer's function called System.exit) delivers
      // nothing any more: waiting for it would only delay the exit by the whole budget. It is looked
      // for again now and then, as it may enter Runtime.exit while we wait.
      for (long left = budget; left > 0; left = budget - (System.nanoTime() - start)) {
        Thread engine = Engine.engineThread();
        if (engine != null && ReclaimEvents.isExiting(engine)
            || s.done.await(Math.min(left, EXIT_POLL_NANOS), TimeUnit.NANOSECONDS)) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      exitWaitLeft = budget - (System.nanoTime() - start);
      java.lang.ref.Reference.reachabilityFence(token);
    }
  }

  /** How often {@link #await} looks whether the engine thread went into Runtime.exit. */
  private static final long EXIT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
}
