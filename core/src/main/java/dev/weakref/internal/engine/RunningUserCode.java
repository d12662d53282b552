package dev.weakref.internal.engine;

import dev.weakref.internal.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What user code (a callback, an engine reference, a batch-end task, a listener) runs on the engine
 * thread now, for those who watch it: the {@link Watchdog}, Flight Recorder, the engine's stats and
 * {@code collect()}'s timeout message. The {@link ReclaimLoop} tells it each run of user code it
 * starts and finishes; nothing here decides what runs.
 *
 * <p><b>No fence per callback.</b> It counts each run of user code started and names what runs
 * ({@link #userCodeStarting}), with opaque stores, and sets a volatile {@code busy} for the batches
 * that run user code: the {@link Watchdog} samples these to report a run that lasts too long, and
 * {@link #describeRunning} names it there and in collect()'s timeout. The readers may lag a little.
 */
final class RunningUserCode {
  /*
   * Written by the engine thread only, with opaque stores (no fence: these are paid per callback);
   * read by stats() and collect()'s diagnosis through the accessors below, which may lag a little.
   */
  private long callbacksRun;
  private @Nullable Object running;
  /** The action running {@link #running} (a tracked handle's), else null; for describeRunning. */
  private @Nullable ReclaimAction runningAction;
  /** The user function that {@link #running} runs, when its code told us (noteCallback). */
  private @Nullable Object runningCallback;
  /** How many runs of user code (callbacks, engine references, tasks, listeners) were started. */
  private long userCodeStarts;
  /**
   * Set (before the first user code of a batch) until the batch is done: the engine's half of the
   * watchdog's hand-shake, see {@link Watchdog}.
   */
  private volatile boolean busy;
  /** Whether this batch set {@link #busy}; engine thread only. */
  private boolean watchArmed;
  /**
   * Whether user code ran on the current engine thread; engine thread only. The loop reads it to
   * hand its work over to a fresh thread, and clears it when it does (see {@link ReclaimLoop}).
   */
  boolean ran;
  /**
   * Test seam: how many starts of the watchdog (by the first user code of a batch) are still to
   * fail, as one that cannot allocate would. Read once per batch that runs user code.
   */
  static final AtomicInteger startFaults = new AtomicInteger();
  /**
   * Test seam: how many resets of the context class loader after user code ({@link #afterUserCode})
   * on the engine thread are still to fail, as one that a security manager denies would (the
   * watchdog's thread, which takes back what the hook left, never takes one). Read only when user
   * code left a loader on the thread: a callback that leaves none pays nothing for it.
   */
  static final AtomicInteger finishFaults = new AtomicInteger();
  /**
   * The last thread whose context class loader {@link #afterUserCode} failed to reset: it is not
   * asked again. A plain field: each thread reads back its own writes, and another thread that
   * reads a stale value at worst asks once more.
   */
  private static @Nullable Thread resetRefusedOn;
  /*
   * What running, runningAction and runningCallback go back to when user code finishes: null, or
   * inside a collect() called by a callback, that callback's (saved by nestedCollectStarting).
   */
  private @Nullable Object outerRunning;
  private @Nullable ReclaimAction outerAction;
  private @Nullable Object outerCallback;
  private static final VarHandle CALLBACKS_RUN =
      VarHandles.field(MethodHandles.lookup(), "callbacksRun", long.class);
  private static final VarHandle RUNNING =
      VarHandles.field(MethodHandles.lookup(), "running", Object.class);
  private static final VarHandle RUNNING_ACTION =
      VarHandles.field(MethodHandles.lookup(), "runningAction", ReclaimAction.class);
  private static final VarHandle RUNNING_CALLBACK =
      VarHandles.field(MethodHandles.lookup(), "runningCallback", Object.class);
  private static final VarHandle USER_CODE_STARTS =
      VarHandles.field(MethodHandles.lookup(), "userCodeStarts", long.class);

  /** How many callbacks (of handles and engine references) were started. */
  long callbacksRun() {
    return (long) CALLBACKS_RUN.getOpaque(this);
  }

  @Nullable Object running() {
    return RUNNING.getOpaque(this);
  }

  /** How many runs of user code were started; the watchdog's clock-free way to tell runs apart. */
  long userCodeStarts() {
    return (long) USER_CODE_STARTS.getOpaque(this);
  }

  /** Whether the engine is in a batch that runs user code: see {@link Watchdog}. */
  boolean busy() {
    return busy;
  }

  /**
   * Names the user code that runs {@code running} (a value of {@link #running()}): the callback's
   * class and the ref, finalizer or listener; for the watchdog and collect()'s timeout message. Reads
   * what the engine thread wrote without synchronizing: a diagnosis, which may lag a little.
   */
  String describeRunning(Object running) {
    Object callback = RUNNING_CALLBACK.getOpaque(this);
    ReclaimAction action = (ReclaimAction) RUNNING_ACTION.getOpaque(this);
    if (callback == null && action != null) {
      try {
        callback = action.callbackOf(running);
      } catch (Throwable t) {
        callback = null; // a diagnosis must not fail
      }
    }
    if (callback != null && callback != running) {
      return "the callback " + name(callback) + " of " + Unraisable.safeToString(running);
    }
    return (running instanceof dev.weakref.engine.ReclaimListener ? "the listener " : "the callback ")
        + name(running);
  }

  /** The class of {@code o}, and its {@code toString()} if it has its own. */
  private static String name(Object o) {
    String name = o.getClass().getName();
    try {
      if (o.getClass().getMethod("toString").getDeclaringClass() == Object.class) {
        return name;
      }
    } catch (Throwable t) {
      return name;
    }
    return name + " (" + Unraisable.safeToString(o) + ")";
  }

  /**
   * Names the user function that the engine reference running now is about to call (a finalizer's
   * function, a container's listener), for {@link #describeRunning}; engine thread only.
   */
  void noteCallback(@Nullable Object callback) {
    RUNNING_CALLBACK.setOpaque(this, callback);
  }

  /**
   * Counts a callback and names it as running; engine thread only. Never throws, so that the
   * callers may call it outside their callback's {@code try}: {@link #userCodeStarting} does not,
   * and the Flight Recorder reports its own failures (see {@link Jfr}).
   *
   * @return its Flight Recorder event, for {@link #callbackFinished(Object, Object)}; {@code null}
   *     unless recorded
   */
  @Nullable Object callbackStarting(Object what, @Nullable ReclaimAction action) {
    CALLBACKS_RUN.setOpaque(this, callbacksRun + 1);
    userCodeStarting(what, action);
    return Jfr.callbackBegin();
  }

  /**
   * Names user code as running and counts its start for the watchdog, which the first user code of
   * a batch starts if none runs; engine thread only. Plain stores but for the first of a batch.
   * Never throws: every caller calls it before its user code's {@code try}, and a throw here lost
   * that user code and what the batch had left to run.
   *
   * <p>The names come before the watchdog's start, whose failure goes to the unraisable hook: a hook
   * that reads {@link #describeRunning} or calls {@code collect()} (which saves and restores them,
   * see {@link #nestedCollectStarting}) then finds {@code what} running, not the user code before.
   */
  void userCodeStarting(Object what, @Nullable ReclaimAction action) {
    RUNNING_ACTION.setOpaque(this, action);
    RUNNING_CALLBACK.setOpaque(this, (Object) null);
    RUNNING.setOpaque(this, what);
    USER_CODE_STARTS.setOpaque(this, userCodeStarts + 1);
    ran = true;
    if (!watchArmed) {
      watchArmed = true;
      busy = true; // before the watchdog's state is read: see Watchdog
      startWatchdog(what);
    }
  }

  /**
   * Starts the watchdog unless one runs. A failure (reading its bound's property under a security
   * manager, no memory for the thread's name) is reported, and the batch runs unwatched: the next
   * one tries again.
   */
  private void startWatchdog(Object what) {
    try {
      if (startFaults.get() > 0 && startFaults.getAndDecrement() > 0) {
        throw new OutOfMemoryError("injected by a test: starting the watchdog");
      }
      Watchdog.ensureWatching(this);
    } catch (Throwable t) {
      Unraisable.report(t, what); // never throws
    }
  }

  /**
   * User code named by {@link #userCodeStarting} is done: what ran before it runs again, then what
   * it left on the thread is taken back ({@link #afterUserCode}); engine thread only. Never throws:
   * every caller calls it after its user code's {@code try}, where a throw lost what the referent
   * and the batch had left to run. The names go back first, so that the watchdog and
   * describeRunning never name finished user code, whatever happens after.
   *
   * @param what the user code that finished (as given to {@link #userCodeStarting}): the source
   *     of a failure to take back what it left
   */
  void finishedRunning(Object what) {
    RUNNING.setOpaque(this, outerRunning);
    RUNNING_ACTION.setOpaque(this, outerAction);
    RUNNING_CALLBACK.setOpaque(this, outerCallback);
    afterUserCode(what);
  }

  /**
   * {@link #finishedRunning} for a callback {@link #callbackStarting} began, after ending its JFR
   * event (so that the event times the callback, not a failed reset's report). Never throws, like
   * {@link #finishedRunning} and {@link Jfr#callbackEnd}, which swallows its own failures.
   */
  void callbackFinished(@Nullable Object event, Object what) {
    if (event != null) {
      Jfr.callbackEnd(event, what);
    }
    finishedRunning(what);
  }

  /** The batch is over: the watchdog may leave once it sees that; engine thread only. */
  void batchDone() {
    if (watchArmed) {
      watchArmed = false;
      busy = false;
    }
  }

  /** What ran outside a collect() called by a callback, saved while it runs. */
  record Outer(@Nullable Object running, @Nullable ReclaimAction action, @Nullable Object callback) {}

  /**
   * A callback calls {@code collect()}: the callback runs again once each callback run inside is
   * done. Engine thread only.
   *
   * @return what to give {@link #nestedCollectDone} when that {@code collect()} returns
   */
  Outer nestedCollectStarting() {
    Outer saved = new Outer(outerRunning, outerAction, outerCallback);
    outerRunning = running;
    outerAction = runningAction;
    outerCallback = runningCallback;
    return saved;
  }

  /** The {@code collect()} of {@link #nestedCollectStarting} returns. */
  void nestedCollectDone(Outer saved) {
    outerRunning = saved.running;
    outerAction = saved.action;
    outerCallback = saved.callback;
  }

  /**
   * Takes back from user code what it may have left on the thread: the interrupt status (the next
   * callback would get an InterruptedException) and the context class loader (it would be pinned).
   * A field read and a volatile read when nothing was left.
   *
   * <p>Never throws: its callers run it after user code's {@code try}, and on the engine thread a
   * throw would lose the rest of the batch. Taking the loader back can fail (a security manager
   * that denies {@code setContextClassLoader}; an Error in general): that is reported to the
   * unraisable hook as {@code what}'s, once per thread: the thread is not asked again (a lasting
   * refusal would fail, and blame, every later user code that left nothing), and the loader stays
   * until the engine hands its work to a fresh thread ({@link ReclaimLoop} does, soon after a batch
   * that ran user code). The hook is user code too: the interrupt it may leave is cleared after it,
   * not its loader.
   *
   * @param what the user code (or the hook) that ran: the source of a failure reported here
   */
  static void afterUserCode(@Nullable Object what) {
    Thread self = Thread.currentThread();
    try {
      if (self.isInterrupted()) {
        Thread.interrupted();
      }
      if (self.getContextClassLoader() != null && resetRefusedOn != self) {
        if (finishFaults.get() > 0 && self == Engine.engineThread() // not the watchdog's thread
            && finishFaults.getAndDecrement() > 0) {
          throw new SecurityException("injected by a test: setContextClassLoader denied");
        }
        self.setContextClassLoader(null);
      }
    } catch (Throwable t) {
      resetRefusedOn = self;
      Unraisable.report(t, what); // never throws
      Thread.interrupted();
    }
  }
}
