package dev.weakref.engine;

import dev.weakref.ReclaimRegistration;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The reclaim engine's public face: forcing a collection in tests, the unraisable hook, statistics,
 * listeners, and the per-referent queries behind Python's {@code getweakrefcount} and
 * {@code getweakrefs}.
 *
 * <h2>How callbacks run</h2>
 * The garbage collector clears weak references; the JDK's reference handler enqueues them on the
 * engine's single {@link ReferenceQueue}; one daemon thread named {@code weakref-reclaimer} takes
 * them off and runs the callbacks: in order, newest registration first for each referent, never on
 * the collector's or a caller's thread. Whatever a callback throws goes to the
 * {@linkplain #setUnraisableHook unraisable hook} and never stops the next callback. The thread has
 * no context class loader and inherits no thread-locals, so it pins no application class loader.
 * What a callback leaves on it does not outlive the callback for long: the interrupt status and
 * the context class loader are reset after each callback, and the thread itself, with whatever
 * thread-locals user code set on it, is replaced by a fresh one of the same name before a
 * {@link #collect()} that ran user code returns, and otherwise within about a second after user
 * code ran (see {@code ReclaimLoop}).
 *
 * <p>Memory consistency effects: actions in a thread before it creates a reference with a callback
 * <i>happen-before</i> that callback runs on the engine thread, and actions of a callback
 * <i>happen-before</i> {@link #collect()} returns in a thread that waited for it.
 *
 * <p>All methods are static and thread-safe. See the {@link java.lang.ref} package documentation
 * for what "reachable" means.
 */
public final class Reclaimer {
  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  private static final Registry REGISTRY = new Registry();
  private static final ReclaimLoop LOOP = new ReclaimLoop(QUEUE, REGISTRY);
  private static final AtomicLong FAILURES = new AtomicLong();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** Prints {@code Exception ignored in: <source>} and the stack trace, as Python does. */
  private static final UnraisableHook DEFAULT_HOOK = Reclaimer::printUnraisable;

  private static volatile UnraisableHook hook = DEFAULT_HOOK;
  private static volatile @Nullable Thread thread;

  static {
    ensureRunning();
  }

  private Reclaimer() {}

  /* ---- Tracking: for the reference types of dev.weakref ---- */

  /**
   * Registers {@code handle} as a weak reference to {@code referent}, newest first among the
   * referent's handles.
   *
   * <p><b>Internal:</b> public so that the types in {@code dev.weakref} can register; application
   * code creates a {@code WeakRef} instead. The engine holds {@code handle} only weakly: once it is
   * unreachable it is forgotten and its action never runs. While it is reachable it counts in
   * {@link #weakRefCount} and, when the referent is reclaimed, {@code action} (if not null) runs once
   * on the engine thread with the handle.
   *
   * @param referent the object referred to (not retained)
   * @param handle the user-visible reference or proxy (not retained)
   * @param action what to run after reclamation, or {@code null} for none
   */
  public static void track(Object referent, Object handle, @Nullable ReclaimAction action) {
    int hash = System.identityHashCode(referent);
    Cell cell = new Cell(handle, action, null);
    for (Slot slot = REGISTRY.findOrCreate(referent, hash, QUEUE); !slot.push(cell); ) {
      slot = REGISTRY.findOrCreateLocked(referent, hash, QUEUE); // that one was retired meanwhile
    }
    // The referent must outlive the push, or its slot could be reclaimed before the cell is on it.
    Reference.reachabilityFence(referent);
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key}, creating and tracking it
   * with {@code factory} when there is none: CPython's reuse of callback-less refs and proxies.
   *
   * <p><b>Internal:</b> public for the types in {@code dev.weakref}. The factory runs at most once
   * per referent and key while its result is reachable, under a per-referent lock; it must create the
   * handle <em>without</em> tracking it, since this method tracks it. Shared handles have no action.
   *
   * @param referent the object referred to (not retained)
   * @param key identifies the kind of shared handle (compared by identity), such as a class
   * @param factory creates the handle from the referent
   * @param <H> the handle's type; the caller guarantees that {@code key} implies it
   * @return the shared handle, never {@code null}
   */
  @SuppressWarnings("unchecked")
  public static <H> H shared(Object referent, Object key, Function<Object, ? extends H> factory) {
    int hash = System.identityHashCode(referent);
    Slot slot = REGISTRY.findOrCreate(referent, hash, QUEUE);
    Object handle = slot.shared(key);
    while (handle == null) {
      synchronized (slot) {
        handle = slot.sharedLocked(key);
        if (handle == null) {
          Object created = Objects.requireNonNull(factory.apply(referent), "shared handle factory");
          Cell cell = new Cell(created, null, key);
          if (slot.push(cell)) {
            slot.hintShared(cell);
            handle = created;
          }
        }
      }
      if (handle == null) {
        slot = REGISTRY.findOrCreateLocked(referent, hash, QUEUE); // that one was retired meanwhile
      }
    }
    Reference.reachabilityFence(referent);
    return (H) handle;
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key} if there is one, without
   * creating anything: the lock-free fast path of {@link #shared}.
   *
   * <p><b>Internal:</b> public for the types in {@code dev.weakref}.
   *
   * @param referent the object referred to; not {@code null}
   * @param key identifies the kind of shared handle (compared by identity)
   * @param <H> the handle's type; the caller guarantees that {@code key} implies it
   * @return the shared handle, or {@code null} if there is none yet
   */
  @SuppressWarnings("unchecked")
  public static <H> @Nullable H sharedIfPresent(Object referent, Object key) {
    Slot slot = REGISTRY.findFast(Objects.requireNonNull(referent), System.identityHashCode(referent));
    return slot == null ? null : (H) slot.shared(key);
  }

  /**
   * Returns how many tracked references and proxies currently refer to {@code referent}.
   *
   * <p>Python: {@code weakref.getweakrefcount(obj)}. Counts {@code WeakRef}s (and subclasses such as
   * {@code WeakMethod}) and proxies that are still reachable or not yet found unreachable by the
   * collector. The weak containers' internal references are not counted: they are the containers'
   * business, as in Jython.
   *
   * @param referent any object
   * @return the number of live tracked references to it, 0 if none
   */
  public static int weakRefCount(Object referent) {
    Slot slot = REGISTRY.find(referent, System.identityHashCode(referent));
    return slot == null ? 0 : slot.liveCount();
  }

  /**
   * Returns the tracked references and proxies that currently refer to {@code referent}, newest
   * first.
   *
   * <p>Python: {@code weakref.getweakrefs(obj)}. The list is a fresh, modifiable snapshot.
   *
   * @param referent any object
   * @return the live tracked references to it; empty if none
   */
  public static List<Object> weakRefs(Object referent) {
    Slot slot = REGISTRY.find(referent, System.identityHashCode(referent));
    return slot == null ? new ArrayList<>() : slot.liveHandles();
  }

  /** The engine's one queue, for {@link EngineReference}; not exposed beyond this package. */
  static ReferenceQueue<Object> queue() {
    return QUEUE;
  }

  /** The engine's loop; for tests of the engine. */
  static ReclaimLoop loop() {
    return LOOP;
  }

  /** Whether the registry has a record for {@code referent}; for tests of the engine. */
  static boolean hasRecord(Object referent) {
    return REGISTRY.find(referent, System.identityHashCode(referent)) != null;
  }

  /* ---- collect() ---- */

  /**
   * Forces a garbage collection and returns once every reference it cleared has been processed and
   * every callback it caused has run. Waits at most 30 seconds.
   *
   * <p>Python: {@code gc.collect()}. Meant for tests: they call this instead of sleeping. It may be
   * called from a callback (or a finalizer, a listener): see {@link #collect(Duration)}.
   *
   * @throws IllegalStateException if that did not happen in time, or cannot happen because explicit
   *     collections are disabled; the message says what is still pending (the collector not clearing
   *     anything, or a callback still running)
   */
  public static void collect() {
    collect(DEFAULT_TIMEOUT);
  }

  /**
   * Like {@link #collect()}, with a bound of your choosing.
   *
   * <p><b>From a callback.</b> On the engine thread (in a callback, a finalizer, a listener or the
   * unraisable hook) this forces the collection and runs what it caused right there, re-entrantly,
   * in the usual order: first the rest of the batch the calling callback belongs to, then the
   * references the collection cleared, each callback once; then it returns to the calling callback
   * (older callbacks of the calling callback's own referent run after that, as they would have).
   * Such calls may nest 8 deep (a callback run by a nested
   * {@code collect()} calling {@code collect()} again, and so on); the next one throws
   * {@link IllegalStateException} naming the depth, which the calling callback may catch (if it
   * does not, the unraisable hook gets it, as for anything a callback throws).
   *
   * @param timeout how long to wait at most
   * @throws IllegalStateException if the collection or its callbacks did not finish in time, if
   *     {@code -XX:+DisableExplicitGC} is set (at once: no collection could be forced), or past the
   *     nesting bound above
   */
  public static void collect(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (ExplicitGc.disabled()) {
      throw new IllegalStateException("collect() failed at once: " + GC_DISABLED);
    }
    if (Thread.currentThread() == thread) {
      LOOP.collectNested(timeout, deadline);
      return;
    }
    ensureRunning();
    // Why a collection and then two rounds, each a sentinel and a collection. What must be proven
    // is that every reference the first System.gc() (call it B) cleared has been enqueued and
    // processed. B has put them on the JVM's pending list by the time it returns. The reference
    // handler takes that list whole and enqueues it before it takes the next; but a list published
    // while an earlier one is still pending is prepended to it (HotSpot links the newer list in
    // front), so a later collection's references may reach the queue before B's.
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
    LOOP.collectors.incrementAndGet(); // the loop then drains whole queues: see ReclaimLoop
    try {
      System.gc();
      for (int round = 1; round <= 2; round++) {
        Sentinel sentinel = new Sentinel(QUEUE);
        int gcs = 0;
        try {
          do {
            if (System.nanoTime() - deadline > 0) {
              throw new IllegalStateException(timeoutMessage(timeout, sentinel, gcs + 1, null));
            }
            if (!sentinel.refersTo(null) || gcs == 0) {
              System.gc();
              gcs++;
            }
          } while (!sentinel.done.await(20, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("collect() interrupted", e);
        }
      }
    } finally {
      LOOP.collectors.decrementAndGet();
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
      Object running = LOOP.running();
      what = running != null
          ? "the weakref-reclaimer thread is still running the callback of " + safeToString(running)
              + " (its batch began " + (System.nanoTime() - LOOP.batchStarted()) / 1_000_000
              + " ms ago); " + LOOP.pending() + " dequeued references not yet processed"
          : "the weakref-reclaimer thread has not processed the collection yet ("
              + LOOP.pending() + " dequeued references pending; thread "
              + (isAlive() ? "alive" : "not alive") + ")";
    }
    return "collect() timed out after " + timeout.toMillis() + " ms: " + what;
  }

  /* ---- Unraisable hook ---- */

  /**
   * Returns the hook that receives exceptions thrown by callbacks and listeners.
   *
   * @return the current hook, never {@code null}
   */
  public static UnraisableHook unraisableHook() {
    return hook;
  }

  /**
   * Replaces the hook that receives exceptions thrown by callbacks and listeners.
   *
   * <p>Python: assigning {@code sys.unraisablehook}.
   *
   * @param newHook the new hook, or {@code null} to restore the default (print to {@code System.err})
   * @return the previous hook
   */
  public static UnraisableHook setUnraisableHook(@Nullable UnraisableHook newHook) {
    UnraisableHook old = hook;
    hook = newHook == null ? DEFAULT_HOOK : newHook;
    return old;
  }

  /**
   * Reports an exception that cannot be propagated to the current unraisable hook, and counts it
   * in {@link ReclaimStats#callbackFailures()}. Never throws.
   *
   * @param error the exception
   * @param source what threw it (a callback, a listener), printed as {@code Exception ignored in:}
   */
  public static void reportUnraisable(Throwable error, @Nullable Object source) {
    FAILURES.incrementAndGet();
    try {
      hook.unraisable(error, source);
    } catch (Throwable hookFailure) {
      try {
        printUnraisable(hookFailure, hook);
        printUnraisable(error, source);
      } catch (Throwable ignored) {
        // Nothing is left to tell.
      }
    }
  }

  private static void printUnraisable(Throwable error, @Nullable Object source) {
    synchronized (System.err) {
      System.err.println("Exception ignored in: " + safeToString(source));
      error.printStackTrace(System.err);
    }
  }

  private static String safeToString(@Nullable Object o) {
    if (o == null) {
      return "None";
    }
    try {
      return String.valueOf(o);
    } catch (Throwable t) {
      return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
    }
  }

  /* ---- Stats and listeners ---- */

  /**
   * Returns a snapshot of the engine's counters. Counting the live references walks the registry:
   * meant for diagnostics and tests, not for a hot path.
   *
   * @return the counters now
   */
  public static ReclaimStats stats() {
    long[] alive = new long[1];
    long referents = REGISTRY.size();
    REGISTRY.forEach(slot -> alive[0] += slot.liveCount());
    return new ReclaimStats(alive[0], referents, LOOP.callbacksRun(), FAILURES.get(), LOOP.pending());
  }

  /**
   * Adds a listener told of every reclaim: each referent of refs, proxies and {@code WeakMethod}s
   * after its callbacks, each finalizer run, each weak container entry dropped (see
   * {@link ReclaimEvent.Kind}). It is told only of what happens after this call; while no listener
   * is registered, the engine does not even note events.
   *
   * <p>The same listener may be added more than once; each registration delivers every event once.
   *
   * @param listener the listener; runs on the engine thread
   * @return the registration; closing it removes the listener (idempotent, thread-safe)
   * @throws NullPointerException if {@code listener} is {@code null}
   */
  public static ReclaimRegistration addListener(ReclaimListener listener) {
    return ReclaimEvents.add(listener);
  }

  /**
   * Removes the oldest registration of a listener equal to {@code listener} added with
   * {@link #addListener}; does nothing if there is none. Closing the registration that
   * {@code addListener} returned does the same for that very registration, and is preferred.
   *
   * @param listener the listener
   * @return whether it was registered
   */
  public static boolean removeListener(ReclaimListener listener) {
    return ReclaimEvents.remove(listener);
  }

  /**
   * Returns whether the engine thread is running. It always should be: callbacks cannot kill it.
   *
   * @return whether {@code weakref-reclaimer} is alive
   */
  public static boolean isAlive() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  /**
   * Returns whether the current thread is the engine thread, that is, whether the caller is running
   * inside a callback.
   *
   * @return whether this is {@code weakref-reclaimer}
   */
  public static boolean isEngineThread() {
    return Thread.currentThread() == thread;
  }

  /** The current engine thread, or {@code null} before the engine first started. */
  static @Nullable Thread engineThread() {
    return thread;
  }

  private static synchronized void ensureRunning() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      return;
    }
    t = newEngineThread(LOOP);
    t.start();
    thread = t;
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

  @SuppressWarnings("removal") // AccessController: see the comment below
  private static Thread newEngineThread(Runnable body) {
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
            new Thread(root, body, "weakref-reclaimer", 0, false));
    t.setDaemon(true);
    t.setContextClassLoader(null);
    return t;
  }
}
