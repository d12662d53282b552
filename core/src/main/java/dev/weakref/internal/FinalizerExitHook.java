package dev.weakref.internal;

import dev.weakref.internal.engine.Engine;
import dev.weakref.internal.engine.ReclaimEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Internal: the one shutdown hook of the finalizers, CPython's {@code finalize._exitfunc}. It runs
 * every live finalizer whose at-exit flag is set, newest first, selecting again while functions
 * create finalizers; then no function runs any more, and it waits for those that other threads were
 * running when the exit began.
 *
 * <p>Registered, on a thread named {@code weakref-atexit}, while a finalizer is alive: when one is
 * made and the hook is not registered ({@link LiveFinalizers#add}), and removed by the engine thread
 * as it ends for want of work with no finalizer alive ({@link #removeIfUnused}), so that the JVM's
 * list of hooks does not pin this library's class loader.
 */
public final class FinalizerExitHook {

  /** How long the exit hook waits for functions already running on other threads. */
  public static final int EXIT_WAIT_SECONDS = 5;

  /** How often the exit hook looks again at the threads it waits for; see awaitInFlight. */
  private static final long EXIT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static volatile boolean exitStarted;
  private static volatile boolean exitFinished; // written under LOCK: no function runs any more
  private static final CountDownLatch EXIT_DONE = new CountDownLatch(1);
  private static volatile boolean inFlightWaitTimedOut;

  private FinalizerExitHook() {}

  /**
   * Returns whether the exit run has finished: no finalizer function may run any more (Python's
   * {@code _shutdown}). A run that took its finalizer reads this after taking it, so the exit hook
   * either sees it running (and waits for it) or has finished.
   *
   * @return whether the exit run is over
   */
  public static boolean finished() {
    return exitFinished;
  }

  /** Whether the exit run has begun: finishing runs then wake the hook (see LiveFinalizers). */
  static boolean started() {
    return exitStarted;
  }

  /**
   * The body of the shutdown hook. Keep its class and name: the coroutines module's
   * launchFinalizer tells an exit run by this frame.
   */
  static void runAtExit() {
    try {
      long seen = -1;
      List<AbstractFinalizer> pending = new ArrayList<>();
      int next = 0;
      exitStarted = true;
      for (;;) {
        AbstractFinalizer f;
        synchronized (LiveFinalizers.LOCK) {
          long registrations = LiveFinalizers.registrationsLocked();
          if (seen != registrations) {
            // Select again, newest first: a function that ran may have created finalizers.
            seen = registrations;
            pending.clear();
            next = 0;
            LiveFinalizers.collectLocked(x -> x.atExit() && x.isAlive(), pending);
          }
          if (next == pending.size()) {
            exitFinished = true; // decided under the same lock as the last selection
            break;
          }
          f = pending.get(next++);
        }
        if (f.atExit()) {
          f.runUnraisable();
        }
      }
      awaitInFlight();
    } finally {
      EXIT_DONE.countDown();
    }
  }

  /**
   * Lets functions that other threads began before the exit run finished complete. Once
   * {@code exitFinished} is set, no function starts any more: the ones to wait for are those whose
   * finalizer is running now (it has a {@linkplain AbstractFinalizer#runner() runner}), and each
   * signals when it is done. A run whose thread is itself exiting is not waited for: a function
   * that called {@code System.exit} (on the engine thread after reclamation, or on a caller's
   * thread through {@code call()}) never returns, since that thread waits for the shutdown hooks,
   * this one among them; waiting for it would only delay the exit by the full
   * {@link #EXIT_WAIT_SECONDS}. Its thread is looked for among the threads inside
   * {@code Runtime.exit}, also one that enters it while we wait (it then blocks for good behind the
   * exit under way).
   */
  private static void awaitInFlight() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_WAIT_SECONDS);
    synchronized (LiveFinalizers.LOCK) {
      List<AbstractFinalizer> running = new ArrayList<>();
      LiveFinalizers.collectLocked(x -> x.runner() != null, running);
      for (;;) {
        running.removeIf(x -> {
          Thread t = x.runner();
          return t == null || ReclaimEvents.isExiting(t);
        });
        if (running.isEmpty()) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          inFlightWaitTimedOut = true;
          return;
        }
        try {
          // Woken by each run that finishes; looks again now and then for a thread gone exiting.
          TimeUnit.NANOSECONDS.timedWait(LiveFinalizers.LOCK, Math.min(left, EXIT_POLL_NANOS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * For tests: whether the exit hook gave up waiting for a function still running.
   *
   * @return whether the in-flight wait timed out
   */
  public static boolean inFlightWaitTimedOut() {
    return inFlightWaitTimedOut;
  }

  /**
   * For tests: waits until the exit hook has finished.
   *
   * @param millis how long to wait at most
   * @return whether it has finished
   * @throws InterruptedException if interrupted while waiting
   */
  public static boolean awaitExitFinished(long millis) throws InterruptedException {
    return EXIT_DONE.await(millis, TimeUnit.MILLISECONDS);
  }

  /** The registered hook thread, or {@code null} while none is; guarded by LiveFinalizers.LOCK. */
  private static @Nullable Thread hook;

  /**
   * Registers the hook if it is not; under {@code LiveFinalizers.LOCK}, as a finalizer is added. The
   * first time, also has the engine remove it when its thread ends for want of work.
   */
  static void registerLocked() {
    if (hook != null || exitStarted) {
      return;
    }
    // In the root thread group, as the engine thread: the caller's group may be destroyed before
    // exit (Maven's exec:java does that), and a hook thread in a destroyed group never starts.
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    Thread t = newHookThread(group);
    t.setContextClassLoader(null);
    try {
      Runtime.getRuntime().addShutdownHook(t);
      hook = t;
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already exiting: Python's atexit would not run a late registration either.
    }
    Engine.onStop(FinalizerExitHook::removeIfUnused);
  }

  /**
   * Removes the hook once no finalizer is alive: the JVM's hook list would otherwise pin the class
   * loader of this library (a redeployed web application) until exit. Run by the engine thread as
   * it ends for want of work, which it does only once no finalizer is alive; a finalizer made
   * meanwhile registers the hook again, under the same lock.
   */
  static void removeIfUnused() {
    synchronized (LiveFinalizers.LOCK) {
      Thread t = hook;
      if (t == null || LiveFinalizers.liveLocked() > 0) {
        return;
      }
      try {
        Runtime.getRuntime().removeShutdownHook(t);
        hook = null;
      } catch (IllegalStateException shuttingDown) {
        // The JVM began to exit: the hook runs (it finds nothing to do). It cannot be removed now.
      }
    }
  }

  /** Created privileged, so it inherits no access-control context of application frames. */
  @SuppressWarnings("removal")
  private static Thread newHookThread(ThreadGroup group) {
    return java.security.AccessController.doPrivileged(
        (java.security.PrivilegedAction<Thread>) () ->
            new Thread(group, FinalizerExitHook::runAtExit, "weakref-atexit", 0, false));
  }
}
