@file:JvmName("ReclaimFlows")

package dev.weakref.coroutines

import dev.weakref.engine.ReclaimEvent
import dev.weakref.engine.ReclaimListener
import dev.weakref.engine.Reclaimer
import kotlin.reflect.KClass
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * A cold [Flow] of every reclaim the engine publishes from the moment a collector starts: one
 * [ReclaimEvent] per referent of refs, proxies or `WeakMethod`s (after its callbacks ran), per
 * finalizer run (after reclamation, by `call()` or at exit) and per weak container entry dropped;
 * [ReclaimEvent.kind] says which.
 *
 * **When listening starts, and what a later collector misses.** Each collection registers its
 * own engine listener as its very first step, synchronously inside `collect`, before it suspends
 * or asks for the first element. Nothing is replayed: a reclaim that the engine published before
 * that moment is never seen by this collector. A collector launched normally
 * (`scope.launch { reclaimEvents().collect { } }`) starts only when its coroutine is dispatched, so
 * objects dropped right after `launch` returns may be reclaimed before it listens. To be sure:
 * - start it with `launch(start = CoroutineStart.UNDISPATCHED)`: it runs up to its first suspension,
 *   and so has registered its listener, before `launch` returns;
 * - `onStart` is no such signal by itself: `reclaimEvents().onStart { ready.complete(Unit) }`
 *   completes `ready` just *before* the listener is registered (`onStart` runs before its upstream
 *   is collected), and a reclaim can fall in between. Pair it with `UNDISPATCHED` (once `launch`
 *   returns, the listener is there), or have the collector report the event of a probe object
 *   dropped for the purpose (as the `ReclaimFlow` benchmark does);
 * - or, when what matters is particular objects rather than all reclaims, register them with a
 *   `ReclaimQueue`, which is hot: their tags wait for a collector however late it comes.
 *
 * Each collector gets its own unbounded buffer fed by the engine thread, so a slow collector never
 * holds the engine up and no event is lost or duplicated; the engine hands over a whole batch of
 * events at once (up to 256), and the flow emits them one by one, in [ReclaimEvent.sequence]
 * order. Cancelling the collector unregisters its listener and leaves the engine running.
 *
 * ```kotlin
 * scope.launch(start = CoroutineStart.UNDISPATCHED) {
 *   reclaimEvents()
 *       .filter { it.referentKClass == Image::class }
 *       .collect { println("image gone at ${it.timestampNanos}") }
 * }
 * ```
 *
 * @return a cold flow; each collection listens on its own
 */
public fun reclaimEvents(): Flow<ReclaimEvent> = flow {
  val batches = Channel<List<ReclaimEvent>>(Channel.UNLIMITED)
  val registration = Reclaimer.addListener(BatchForwarder(batches))
  try {
    for (batch in batches) {
      for (event in batch) emit(event)
    }
  } finally {
    registration.close()
    batches.cancel()
  }
}

/** Hands each engine batch to the collector's channel: one `trySend` per batch, not per event. */
private class BatchForwarder(private val batches: Channel<List<ReclaimEvent>>) : ReclaimListener {
  override fun onReclaim(event: ReclaimEvent) {
    batches.trySend(listOf(event))
  }

  override fun onReclaimBatch(events: List<ReclaimEvent>) {
    batches.trySend(events)
  }
}

/**
 * The class of the reclaimed object as a [KClass]: `Any::class` when the event does not know it
 * (finalizers run after reclamation and container entries; see [ReclaimEvent.referentKnown]).
 *
 * ```kotlin
 * reclaimEvents().filter { it.referentKClass == Connection::class }.collect { log("connection gone") }
 * ```
 */
public val ReclaimEvent.referentKClass: KClass<*>
  get() = referentType.kotlin
