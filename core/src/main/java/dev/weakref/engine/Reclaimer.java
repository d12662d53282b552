package dev.weakref.engine;

import dev.weakref.ReclaimRegistration;
import dev.weakref.internal.engine.CollectBarrier;
import dev.weakref.internal.engine.Engine;
import dev.weakref.internal.engine.ReclaimEvents;
import dev.weakref.internal.engine.Tracking;
import dev.weakref.internal.engine.Unraisable;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
 * <h2>A callback that blocks</h2>
 * The one engine thread runs every callback, finalizer, container clean-up and listener in turn, so
 * one that blocks or runs long delays all the others (and the unlinking of dead container entries,
 * and the sweeping of dropped refs) until it returns: that is the price of the order guarantees
 * above, and the engine does not start a second thread to work around it. Nothing is lost
 * meanwhile: what the collector clears waits on the queue and runs, each once, after the callback
 * returns. Keep callbacks short: hand slow or blocking work (I/O, locks, waiting on other threads) to
 * an executor, or, in Kotlin, use {@code launchFinalizer} of {@code weakref-coroutines}, which only
 * launches a coroutine on the engine thread.
 *
 * <p>So that such a callback does not go unnoticed, a watchdog reports each run of user code on the
 * engine thread that lasts longer than the bound of the system property
 * {@code weakref.callbackWarnMillis} (milliseconds, default 10 000; 0 turns it off; read at each
 * check, so it may be changed at run time): once per run, to the
 * {@linkplain #setUnraisableHook unraisable hook}, as a {@link SlowCallbackException} whose message
 * names the callback's class and its ref (or finalizer, or listener), whose stack trace is the
 * engine thread's, and whose source is the running ref, finalizer or listener; each report counts
 * in {@link ReclaimStats#slowCallbacks()}. The report comes between the bound and a quarter of it
 * (at most a second) later. It costs no time stamp per callback: a daemon thread named
 * {@code weakref-watchdog} samples the engine's count of callbacks started; the engine starts it
 * when a batch runs user code, and it ends once the engine has run none for a quarter of the bound
 * (at most a second), so it exists only while callbacks run. A {@link #collect()} that times out
 * names the running callback the same way.
 *
 * <p>Memory consistency effects: actions in a thread before it creates a reference with a callback
 * <i>happen-before</i> that callback runs on the engine thread, and actions of a callback
 * <i>happen-before</i> {@link #collect()} returns in a thread that waited for it.
 *
 * <p>All methods are static and thread-safe. See the {@link java.lang.ref} package documentation
 * for what "reachable" means.
 */
public final class Reclaimer {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private Reclaimer() {}

  /* ---- collect() ---- */

  /**
   * Forces a garbage collection and returns once every reference it cleared has been processed and
   * every callback it caused has run. Waits at most 30 seconds.
   *
   * <p>Python: {@code gc.collect()}. Meant for tests: they call this instead of sleeping. It may be
   * called from a callback (or a finalizer, a listener): see {@link #collect(Duration)}.
   *
   * <p>The collection is one of the whole heap, old generation included: Serial, Parallel and G1
   * skip {@code System.gc()} while any thread is in a JNI critical region, and then collect only the
   * young generation, so under them it is asked for again until their whole-heap collection has run
   * (not under G1 with {@code -XX:+ExplicitGCInvokesConcurrent}, ZGC or Shenandoah, whose full
   * collections cannot be counted apart: there it is asked for once).
   *
   * @throws IllegalStateException if that did not happen in time, or cannot happen because explicit
   *     collections are disabled; the message says what is still pending (the collector not clearing
   *     anything, or a callback still running, named by its class and its ref)
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
   * @param timeout how long to wait at most; must be positive
   * @throws IllegalStateException if the collection or its callbacks did not finish in time, if
   *     {@code -XX:+DisableExplicitGC} is set (at once: no collection could be forced), or past the
   *     nesting bound above
   * @throws IllegalArgumentException if {@code timeout} is zero or negative (at once: no wait could
   *     succeed), as {@code awaitCollection} refuses it
   * @throws NullPointerException if {@code timeout} is {@code null}
   */
  public static void collect(Duration timeout) {
    Objects.requireNonNull(timeout, "collect() timeout is null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("collect() timeout must be positive, was " + timeout);
    }
    CollectBarrier.collect(timeout);
  }

  /* ---- Per-referent queries ---- */

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
    return Tracking.weakRefCount(referent);
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
    return Tracking.weakRefs(referent);
  }

  /* ---- Unraisable hook ---- */

  /**
   * Returns the hook that receives exceptions thrown by callbacks and listeners.
   *
   * @return the current hook, never {@code null}
   */
  public static UnraisableHook unraisableHook() {
    return Unraisable.hook();
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
    return Unraisable.setHook(newHook);
  }

  /**
   * Reports an exception that cannot be propagated to the current unraisable hook, and counts it
   * in {@link ReclaimStats#callbackFailures()}. Never throws.
   *
   * @param error the exception
   * @param source what threw it (a callback, a listener), printed as {@code Exception ignored in:}
   */
  public static void reportUnraisable(Throwable error, @Nullable Object source) {
    Unraisable.report(error, source);
  }

  /* ---- Stats and listeners ---- */

  /**
   * Returns a snapshot of the engine's counters. Counting the live references walks the registry:
   * meant for diagnostics and tests, not for a hot path.
   *
   * @return the counters now
   */
  public static ReclaimStats stats() {
    return Engine.stats();
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
   * Returns whether the engine is sound: its thread is running, or it ended because nothing needed
   * it (no tracked referent, live finalizer, container entry, listener or waiting {@code collect()})
   * and starts again on the next registration. It always should be: callbacks cannot kill it.
   *
   * @return whether {@code weakref-reclaimer} is alive or idle
   */
  public static boolean isAlive() {
    return Engine.isAlive();
  }
}
