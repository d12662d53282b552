@file:JvmName("ReclaimFlows")

package dev.weakref.coroutines

import dev.weakref.engine.ReclaimEvent
import dev.weakref.engine.ReclaimListener
import dev.weakref.engine.Reclaimer
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * A cold [Flow] of every referent the engine reclaims from the moment a collector subscribes: one
 * [ReclaimEvent] per object that had weak references, after their callbacks ran.
 *
 * Each collector gets its own unbounded buffer fed by the engine thread, so a slow collector never
 * holds the engine up and no event is lost or duplicated; cancelling the collector unregisters its
 * listener and leaves the engine running.
 *
 * ```kotlin
 * reclaimEvents().filter { it.referentType == Image::class.java }.collect { println("image gone") }
 * ```
 */
public fun reclaimEvents(): Flow<ReclaimEvent> =
    callbackFlow {
      val listener = ReclaimListener { event -> trySend(event) }
      Reclaimer.addListener(listener)
      awaitClose { Reclaimer.removeListener(listener) }
    }
        .buffer(Channel.UNLIMITED)
