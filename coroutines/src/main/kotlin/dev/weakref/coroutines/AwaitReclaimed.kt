package dev.weakref.coroutines

import dev.weakref.WeakRef
import dev.weakref.internal.engine.EngineReference
import dev.weakref.internal.engine.EngineUse
import java.lang.ref.Reference
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Suspends until the referent of this reference has been reclaimed; returns at once if it already
 * has (if [WeakRef.get] returns `null`).
 *
 * Waiting never keeps the referent alive: the referent is read once, outside the suspension, to
 * start watching it, and the coroutine then holds only this reference and an engine reference of
 * its own. Nor does it depend on this reference: the wait ends when the referent is reclaimed even
 * if nothing else holds the `WeakRef`. Cancelling the coroutine removes the watch at once, leaving
 * nothing behind.
 *
 * ```kotlin
 * val wr = WeakRef(connection)
 * connection = null
 * scope.launch {
 *   wr.awaitReclaimed()
 *   log("connection reclaimed")
 * }
 * ```
 *
 * > The coroutine is resumed from the engine thread `weakref-reclaimer` and continues in its own
 * > dispatcher (with `Dispatchers.Unconfined`, on the engine thread: keep that short).
 * > [dev.weakref.collectGarbage] and [awaitCollection] return after the waits that their
 * > collection ended have been resumed (each coroutine then runs as its dispatcher schedules it).
 */
public suspend fun WeakRef<*>.awaitReclaimed() {
  val watch = ReclaimWatch.start(this) ?: return
  watch.await()
}

/**
 * Returns a [Deferred] that completes once [obj] has been reclaimed: the way to wait for an object
 * itself, created outside the coroutine so that the coroutine never holds the object.
 *
 * The signal holds [obj] only weakly, and stays armed (held by the engine, whether or not you keep
 * it) until [obj] is reclaimed or the signal is cancelled: `cancel()` it when you no longer care,
 * as you would `detach()` a finalizer. Any number of coroutines may `await()` it; cancelling one of
 * them leaves the signal armed for the others.
 *
 * ```kotlin
 * val gone = reclaimSignal(image)       // here, not inside the launch: the lambda would capture image
 * image = null
 * scope.launch {
 *   gone.await()
 *   log("image reclaimed")
 * }
 * ```
 *
 * @throws IllegalArgumentException if [obj] is of a JDK value-based class such as
 *   `java.lang.Integer`, whose identity means nothing
 */
public fun reclaimSignal(obj: Any): Deferred<Unit> {
  requireWatchable(obj)
  val signal = CompletableDeferred<Unit>()
  val watch = ReclaimWatch(obj, signal)
  ReclaimWatch.arm(watch)
  signal.invokeOnCompletion { if (it != null) watch.cancel() }
  Reference.reachabilityFence(obj)
  return signal
}

/**
 * An engine reference watching one object for [awaitReclaimed] or [reclaimSignal]: held in [LIVE]
 * until its object is reclaimed or the wait is cancelled, so that nothing is left of a cancelled
 * wait. Its [state] is `null` (armed, nobody suspended yet), the suspended continuation or the
 * signal to complete, [FIRED] or [CANCELLED].
 */
internal class ReclaimWatch(obj: Any, state: Any?) : EngineReference<Any>(obj) {
  /** A field of its own (not a property), for the field updater. */
  @JvmField @Volatile var state: Any? = state

  override fun reclaimed() {
    disarm(this)
    when (val s = STATE.getAndSet(this, FIRED)) {
      is CancellableContinuation<*> -> @Suppress("UNCHECKED_CAST") (s as CancellableContinuation<Unit>).resume(Unit)
      is CompletableDeferred<*> -> @Suppress("UNCHECKED_CAST") (s as CompletableDeferred<Unit>).complete(Unit)
    }
  }

  /** Suspends until the object is reclaimed; cancellation drops the watch. */
  suspend fun await() {
    suspendCancellableCoroutine<Unit> { cont ->
      if (STATE.compareAndSet(this, null, cont)) {
        cont.invokeOnCancellation { cancel() }
      } else {
        cont.resume(Unit) // reclaimed between start() and here
      }
    }
  }

  /**
   * Stops watching: forgets the waiter and lets go of this reference, which the collector then
   * discards unprocessed as any unreachable reference (cheaper than `clear()`).
   */
  fun cancel() {
    val s = state
    if (s === FIRED || s === CANCELLED || !STATE.compareAndSet(this, s, CANCELLED)) return
    disarm(this)
  }

  companion object {
    private val FIRED = Any()
    private val CANCELLED = Any()
    private val STATE =
        AtomicReferenceFieldUpdater.newUpdater(ReclaimWatch::class.java, Any::class.java, "state")

    /** The armed watches: what keeps each one (a reference) reachable until it fires. */
    @JvmField val LIVE: MutableSet<ReclaimWatch> = ConcurrentHashMap.newKeySet()

    /**
     * Holds the engine's token while a watch is armed (see `Engine`): a watch stays in [LIVE] until
     * the engine has processed it, so one on the engine's queue keeps the engine thread, and the
     * watches pay no field for it.
     */
    private val ENGINE_USE = EngineUse()

    /** Arms [watch]: keeps it, and the engine thread, until it fires or is cancelled. */
    fun arm(watch: ReclaimWatch) {
      ENGINE_USE.acquire() // first: it may throw (no thread), and nothing is armed then
      LIVE.add(watch)
    }

    /** Disarms [watch] once, whichever of firing and cancelling comes first. */
    fun disarm(watch: ReclaimWatch) {
      if (LIVE.remove(watch)) ENGINE_USE.release()
    }

    /**
     * Starts watching the referent of [wr], or returns `null` if it is gone. Not a suspending
     * function, so the referent never reaches a coroutine frame.
     */
    fun start(wr: WeakRef<*>): ReclaimWatch? {
      val obj = wr.get() ?: return null
      val watch = ReclaimWatch(obj, null)
      arm(watch)
      Reference.reachabilityFence(obj)
      return watch
    }
  }
}
