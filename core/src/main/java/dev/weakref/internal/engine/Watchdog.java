package dev.weakref.internal.engine;

import dev.weakref.engine.SlowCallbackException;
import dev.weakref.engine.UnraisableHook;
import dev.weakref.internal.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reports user code (a callback, a finalizer, a listener) that has run on the engine thread for
 * longer than a bound, once per run, to the unraisable hook with the engine thread's stack.
 *
 * <p><b>No cost per callback, no thread while the engine is idle.</b> The engine takes no time stamp
 * per callback: it already counts the user code it starts ({@link RunningUserCode#userCodeStarts()})
 * and names what runs ({@link RunningUserCode#running()}). The daemon thread {@code weakref-watchdog}
 * samples both every quarter of the bound (at most every second): the same run seen for the whole
 * bound has run at least that long. The engine starts the thread at the first user code of a batch
 * when none is running; the thread ends once the engine has run no user code for a whole sample
 * period and is between batches, so it pins nothing (class loader, thread-locals) while the engine
 * idles. The hand-shake, Dekker-style on two volatiles: the engine writes {@link RunningUserCode}'s
 * {@code busy} then reads {@link #state}; the thread writes {@code state = NONE} then reads
 * {@code busy}. One of the two sees the other's write, so a batch either finds no watchdog (and
 * starts one) or keeps the leaving one alive; both then race on one CAS, so at most one runs.
 *
 * <p>The bound is the system property {@value #PROPERTY} in milliseconds, read at each sample (so a
 * change takes effect within a second): default {@value #DEFAULT_MILLIS}; 0 or less turns the
 * watchdog off (no thread is started).
 */
final class Watchdog implements Runnable {
  /** The system property that sets the bound, in milliseconds. */
  static final String PROPERTY = "weakref.callbackWarnMillis";
  /** The bound when the property is not set or not a number. */
  static final long DEFAULT_MILLIS = 10_000;
  /** The longest pause between two samples. */
  private static final long MAX_PERIOD_MILLIS = 1000;

  private static final int NONE = 0;
  private static final int RUNNING = 1;
  /** Whether a watchdog thread is running; see the class comment for the hand-shake. */
  private static volatile int state;
  private static final VarHandle STATE =
      VarHandles.staticField(MethodHandles.lookup(), "state", int.class);

  private static final AtomicLong REPORTED = new AtomicLong();

  private final RunningUserCode userCode;

  private Watchdog(RunningUserCode userCode) {
    this.userCode = userCode;
  }

  /** How many runs of user code were reported as running too long. */
  static long reported() {
    return REPORTED.get();
  }

  /** The bound in milliseconds now; 0 when the watchdog is off. */
  static long boundMillis() {
    String s = System.getProperty(PROPERTY);
    if (s == null) {
      return DEFAULT_MILLIS;
    }
    try {
      return Math.max(0, Long.parseLong(s.trim()));
    } catch (NumberFormatException e) {
      return DEFAULT_MILLIS;
    }
  }

  /**
   * From the engine thread, after it set {@code busy}: starts a watchdog unless one runs or the
   * watchdog is off. A volatile read when one runs.
   */
  static void ensureWatching(RunningUserCode userCode) {
    if (state == RUNNING || boundMillis() <= 0 || !STATE.compareAndSet(NONE, RUNNING)) {
      return;
    }
    try {
      newThread(new Watchdog(userCode)).start();
    } catch (Throwable e) { // OutOfMemoryError: unable to create a thread; the next batch retries
      state = NONE;
    }
  }

  /** Like the engine thread: it pins no class loader (a callback's collect() may be on the stack). */
  private static Thread newThread(Runnable body) {
    return Engine.newInnocuousThread("weakref-watchdog", body);
  }

  @Override
  public void run() {
    long seenStarts = userCode.userCodeStarts();
    long seenSince = System.nanoTime(); // when the run counted seenStarts was first seen
    long reportedStarts = -1;
    boolean quiet = false; // whether the last sample saw no user code running or started
    for (;;) {
      long bound = boundMillis();
      long period = Math.max(1, Math.min(MAX_PERIOD_MILLIS, (bound <= 0 ? DEFAULT_MILLIS : bound) / 4));
      LockSupport.parkNanos(period * 1_000_000);
      long now = System.nanoTime();
      long starts = userCode.userCodeStarts();
      Object running = userCode.running();
      if (starts != seenStarts) {
        seenStarts = starts;
        seenSince = now;
        quiet = false;
        continue;
      }
      if (running != null) {
        quiet = false;
        if (bound > 0 && starts != reportedStarts && now - seenSince >= bound * 1_000_000) {
          reportedStarts = starts; // once per run, even if the report is given up below
          report(running, starts, (now - seenSince) / 1_000_000);
        }
        continue;
      }
      if (!quiet || userCode.busy()) {
        quiet = !userCode.busy();
        continue;
      }
      // Nothing ran for a whole period and the engine is between batches: leave (see the hand-shake).
      state = NONE;
      if (userCode.busy() && STATE.compareAndSet(NONE, RUNNING)) {
        quiet = false;
        continue;
      }
      return;
    }
  }

  private void report(Object running, long starts, long millis) {
    Thread engine = Engine.engineThread();
    StackTraceElement[] stack;
    try {
      stack = engine == null ? new StackTraceElement[0] : engine.getStackTrace();
    } catch (SecurityException denied) {
      stack = new StackTraceElement[0];
    }
    if (userCode.running() != running || userCode.userCodeStarts() != starts) {
      return; // it ended while the stack was taken: the stack would be someone else's
    }
    REPORTED.incrementAndGet();
    SlowCallbackException e = new SlowCallbackException(userCode.describeRunning(running)
        + " has run for more than " + millis + " ms on the weakref-reclaimer thread (bound: "
        + PROPERTY + "=" + boundMillis() + "); every other callback, finalizer and container"
        + " clean-up waits for it. Its stack is this exception's.");
    e.setStackTrace(stack);
    UnraisableHook hook = Unraisable.hook(); // the one told: a failure to take back what it left
    Unraisable.tell(e, running); // the source: the ref, finalizer, entry or listener running
    // The hook is user code: it leaves nothing on this thread (a failure to take it back is the
    // hook's, reported like a callback's).
    RunningUserCode.afterUserCode(hook);
  }
}
