package dev.weakref.internal.engine;

import dev.weakref.engine.ReclaimStats;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The engine's singletons (its one queue, the table of tracked handles, the loop) and the lifecycle
 * of its thread, {@code weakref-reclaimer}: started on demand, handed over to a fresh thread of the
 * same name when user code may have left thread-locals on it (see {@link ReclaimLoop}), and ended
 * when it has nothing left to do, so that it pins no class loader (the library's own, in a web
 * application) while idle.
 *
 * <p><b>When the thread is needed: the generation token.</b> Whatever needs the thread holds the
 * current <em>token</em> strongly, and drops it only once the engine has processed everything it
 * registered; no tracked object pays a field for it:
 * <ul>
 *   <li>the tracked handles (refs, proxies, {@code WeakMethod}s): the {@link #PIN}, while the
 *       {@link HandleTable} has a node, or a listener is registered ({@link #unpinIfIdle});
 *   <li>a weak container's entries: their lock stripe, while it has entries (or purged ones not yet
 *       reported); an entry on the queue reaches its stripe through its chain's end marker;
 *   <li>finalizers: {@code LiveFinalizers}, while one is linked (it stays so until its run ends);
 *   <li>the coroutines' references: the {@code ReclaimQueue} while it has registrations, an
 *       {@link EngineUse} for the others;
 *   <li>a {@code collect()} (and the exit hook's wait for deliveries) while it waits.
 * </ul>
 * The engine holds the token only through a {@link Generation}, a weak reference on its own queue.
 * Once nothing holds the token, the collector clears the generation and enqueues it; since every
 * reference still to be processed keeps the token reachable until it has been processed, nothing
 * is left to do once the loop takes the generation, and its thread ends after that batch, once a
 * look finds its queue empty (references that hold no token may still be there: they are
 * processed first) ({@link #stop}). No registration is missed:
 * <ul>
 *   <li>A holder takes the token with {@link #token()} (one volatile read and a {@code get()}). If
 *       the generation is cleared, nothing else can hold its token any more, so the thread is
 *       ending or has ended: {@link #renew} makes a new token and, unless the thread has not
 *       decided to end yet, starts a thread that waits for the old one to end, then runs the same
 *       loop. A token that {@code get()} returned cannot be cleared while the caller holds it, so a
 *       held token is always the current one.
 *   <li>A tracked handle: {@link Tracking} links its cell in the table (under a segment's lock),
 *       then reads {@link #PIN} (one volatile read); only if it is {@code null} does it pin a token
 *       ({@link #repin}). The engine thread unpins ({@link #unpinIfIdle}) by writing {@code null}
 *       to the pin, then reading every segment's count again, each under its lock, and the
 *       listeners, and pins back what it held if any is not empty. Either the registration's lock
 *       came after the engine's (its read of the pin then comes after the engine's write, and it
 *       pins a token itself), or the engine's recheck comes after the registration's unlock and
 *       sees its node (the engine pins back). So a handle in the table always has a pinned token.
 *       The count drops only as the engine takes a reclaimed referent's node (after running its
 *       callbacks) or sweeps dropped handles' cells, so an enqueued handle keeps the token too.
 * </ul>
 *
 * <p><b>Internal:</b> public only for {@link dev.weakref.engine.Reclaimer}, the weak containers,
 * the finalizers and the coroutines module ({@link #token()}).
 */
public final class Engine {
  /**
   * The engine's one queue: every engine reference, sentinel and tracked handle's reference is
   * created with it; {@code dev.weakref} gets it from {@link Tracking#queue()}.
   */
  static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  static final HandleTable TABLE = new HandleTable(QUEUE);
  static final ReclaimLoop LOOP = new ReclaimLoop(QUEUE, TABLE);

  private static volatile @Nullable Thread thread;

  /**
   * The weak reference to the current token; cleared (so the thread ends) once nothing that needs
   * the engine holds the token. At first a reference to nothing: the first use starts the thread.
   */
  private static volatile Generation generation = new Generation(null);

  /** The current token while the table or the listeners are not empty; see the class comment. */
  private static final AtomicReference<@Nullable Object> PIN = new AtomicReference<>();

  /** Whether the engine thread decided to end (see {@link #stop}); guarded by the class lock. */
  private static boolean stopping;

  /** Whether the last engine thread ended because it had nothing to do (not by a failure). */
  private static volatile boolean stoppedIdle = true;

  /** Runs on the engine thread as it ends for want of work: the finalizers' exit hook's removal. */
  private static volatile @Nullable Runnable onStop;

  private Engine() {}

  /** A weak reference to a token, processed by the loop once the token is unreachable. */
  static final class Generation extends WeakReference<Object> {
    Generation(@Nullable Object token) {
      super(token, token == null ? null : QUEUE);
    }
  }

  /**
   * Returns the current token, starting the engine thread if the last one ended or is ending. The
   * caller holds it (strongly) for as long as what it registered may need the engine thread, and
   * drops it only once the engine has processed all of that; see the class comment.
   *
   * <p><b>Internal:</b> for the weak containers' stripes, the finalizers and the coroutines module.
   *
   * @return the token; never {@code null}
   * @throws OutOfMemoryError if no thread could be started (the next call tries again)
   */
  public static Object token() {
    Object t = generation.get();
    return t != null ? t : renew();
  }

  private static synchronized Object renew() {
    Object t = generation.get();
    if (t != null) {
      return t; // renewed meanwhile by another thread
    }
    t = new Object();
    Generation fresh = new Generation(t);
    Thread current = thread;
    if (current != null && current.isAlive() && !stopping) {
      // It has not processed the cleared generation yet, or has but not decided to stop: it
      // decides in stop(), under this lock, and finds this generation alive there.
      generation = fresh;
      return t;
    }
    // Nothing is published until the new thread has started: an OutOfMemoryError in creating or
    // starting it leaves the generation cleared, so the next token() comes here again (no holder
    // can have a token that no thread serves). The new thread cannot decide to end before this
    // returns: stop() takes this lock, and finds the fresh generation there.
    Thread next = newEngineThread(() -> {
      if (current != null) {
        awaitEnd(current); // the loop's state is the ending thread's until it has ended
      }
      LOOP.run();
    });
    boolean wasStopping = stopping;
    thread = next; // before start(): its callbacks must find themselves on the engine thread
    stopping = false;
    try {
      next.start();
    } catch (Throwable e) { // OutOfMemoryError: unable to create a thread; the next use retries
      thread = current;
      stopping = wasStopping;
      throw e;
    }
    stoppedIdle = false;
    generation = fresh;
    return t;
  }

  /** Pins a token while the table or the listeners are not empty: see the class comment. */
  static void repin() {
    PIN.compareAndSet(null, token()); // a token pinned meanwhile is current too: it is held
  }

  /** Tracking's check after linking a cell: one volatile read while a token is pinned. */
  static void ensurePinned() {
    if (PIN.get() == null) {
      repin();
    }
  }

  /** Unpins the token once the table and the listeners are empty; engine thread, between batches. */
  static void unpinIfIdle() {
    Object held = PIN.get();
    if (held != null && TABLE.looksEmpty() && !ReclaimEvents.listening()) {
      PIN.set(null); // then look again: a registration that read the pin before this write is seen
      if (!TABLE.isEmpty() || ReclaimEvents.listening()) {
        PIN.compareAndSet(null, held);
      }
    }
  }

  /**
   * Called by the loop, engine thread only, after it processed a cleared {@link Generation}: decides
   * under the lock of {@link #renew} whether the thread ends. It does not if a registration made a
   * new token meanwhile (it is then this thread's to serve). If it does, runs the stop hook here.
   *
   * @return whether the calling thread must end now
   */
  static boolean stop() {
    synchronized (Engine.class) {
      if (generation.get() != null) {
        return false;
      }
      stopping = true; // a renew() from now on starts a thread that waits for this one to end
      stoppedIdle = true; // until then; a thread that dies otherwise leaves it false
    }
    Runnable r = onStop;
    if (r != null) {
      try {
        r.run();
      } catch (Throwable t) {
        Unraisable.report(t, r);
      }
    }
    return true;
  }

  /**
   * Sets what runs on the engine thread each time it ends for want of work.
   *
   * <p><b>Internal:</b> for the finalizers' exit hook, which removes itself then.
   *
   * @param r what to run, or {@code null} for nothing
   */
  public static void onStop(@Nullable Runnable r) {
    onStop = r;
  }

  /** The engine's loop: for {@link EngineReference#atBatchEnd} and tests of the engine. */
  static ReclaimLoop loop() {
    return LOOP;
  }

  /**
   * Returns whether the engine is sound: its thread is running, or it ended because it had nothing
   * to do and starts again on demand. It always should be: callbacks cannot kill it.
   *
   * @return whether {@code weakref-reclaimer} is alive or idle
   */
  public static boolean isAlive() {
    return isRunning() || stoppedIdle;
  }

  /** Whether an engine thread is running now; for tests of the engine's idle exit. */
  static boolean isRunning() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  /**
   * Returns whether the current thread is the engine thread, that is, whether the caller is running
   * inside a callback.
   *
   * @return whether this is {@code weakref-reclaimer}
   */
  static boolean isEngineThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Returns a snapshot of the engine's counters; walks the table of tracked handles to count the live references.
   *
   * @return the counters now
   */
  public static ReclaimStats stats() {
    long[] counts = TABLE.counts();
    return new ReclaimStats(counts[0], counts[1], LOOP.callbacksRun(), Unraisable.failures(),
        LOOP.pending(), Watchdog.reported());
  }

  /** The current engine thread, or {@code null} before the engine first started. */
  static @Nullable Thread engineThread() {
    return thread;
  }

  /**
   * Hands the engine's work to a fresh thread, which starts once the calling one has ended: what
   * user code left on the caller (thread-locals) is then unreachable. Engine thread only, between
   * batches; the caller must return from {@link ReclaimLoop#run} at once if this succeeds.
   *
   * @return whether the new thread was started; if not (no memory for one), the caller goes on
   */
  static synchronized boolean handOver() {
    Thread old = Thread.currentThread();
    Thread[] predecessor = {old};
    Thread t;
    try {
      t = newEngineThread(() -> {
        awaitEnd(predecessor[0]);
        predecessor[0] = null;
        LOOP.run();
      });
      t.start();
    } catch (Throwable e) { // OutOfMemoryError: unable to create a thread; try again later
      return false;
    }
    LOOP.handingOver(); // read by the new thread only after join(): see ReclaimLoop
    thread = t;
    return true;
  }

  private static void awaitEnd(Thread predecessor) {
    while (predecessor.isAlive()) {
      try {
        predecessor.join();
      } catch (InterruptedException e) {
        // Nobody may stop the engine by interrupting it: wait on.
      }
    }
  }

  private static Thread newEngineThread(Runnable body) {
    return newInnocuousThread("weakref-reclaimer", body);
  }

  /**
   * A daemon thread of the engine's ({@code weakref-reclaimer}, {@code weakref-watchdog}) that pins
   * no application class loader.
   */
  @SuppressWarnings("removal") // AccessController: see the comment below
  static Thread newInnocuousThread(String name, Runnable body) {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    // No inherited thread-locals, no context class loader, and (on JDKs that still have one) an
    // inherited access-control context holding only our own protection domain, not those of the
    // application frames that happen to be on the stack: the thread must pin no application class
    // loader (a web app redeployed must be collectable), as the JDK's InnocuousThread and Guava do.
    ThreadGroup root = group;
    Thread t = java.security.AccessController.doPrivileged(
        (java.security.PrivilegedAction<Thread>) () ->
            new Thread(root, body, name, 0, false));
    t.setDaemon(true);
    t.setContextClassLoader(null);
    return t;
  }
}
