@file:JvmName("ContainerFlows")

package dev.weakref.coroutines

import dev.weakref.Finalizer
import dev.weakref.ReclaimRegistration
import dev.weakref.WeakKeyDictionary
import dev.weakref.WeakSet
import dev.weakref.WeakValueDictionary
import java.lang.ref.Reference
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector

/**
 * Returns a hot [Flow] of the values whose keys this dictionary loses to the garbage collector,
 * from now on: a cache's evictions.
 *
 * Python: none (Python users subclass the dictionary or poll it). Built on
 * [WeakKeyDictionary.onReclaim]. Nothing is lost before delivery: the flow starts listening when
 * this function returns, and values wait in an unbounded queue until collected, however slow the
 * collector or whether there is one yet. Each value is delivered once: several collectors of the
 * same flow share the values (each goes to exactly one of them). A value counts as delivered once
 * it is handed to a collector's block: if that collector is cancelled while its block still handles
 * the value, the value is not delivered again (record what must not be lost before the block
 * suspends); values not yet handed over stay queued for the next collector. Each call returns a new
 * flow with its own queue that receives every reclaimed value.
 *
 * ```kotlin
 * val cache = WeakKeyDictionary<Request, Response>()
 * val evictions = cache.reclaimedValues()        // listening from here on
 * scope.launch { evictions.collect { it.body.close() } }
 * ```
 *
 * > The flow listens as long as it is reachable: while you hold it or a collector is collecting it.
 * > Once it is dropped and reclaimed, its listener is removed and what was still queued is dropped
 * > with it. It never completes: cancel the collector to stop. Values are queued on the engine
 * > thread `weakref-reclaimer` after the mapping is gone; the collector runs in its own context.
 * > Mappings removed by a caller are not reported.
 *
 * @return a new flow of the values of reclaimed keys, in reclaim order
 */
public fun <K : Any, V : Any> WeakKeyDictionary<K, V>.reclaimedValues(): Flow<V> {
  val flow = QueueFlow<V>()
  val buffer = flow.buffer // the listener must hold the buffer only, never the flow
  return flow.listening(onReclaim { v -> buffer.offer(v) })
}

/**
 * Returns a hot [Flow] of the keys whose values this dictionary loses to the garbage collector,
 * from now on.
 *
 * Python: none. Built on [WeakValueDictionary.onReclaim]. Nothing is lost before delivery: the
 * flow starts listening when this function returns, and keys wait in an unbounded queue until
 * collected, however slow the collector or whether there is one yet. Each key is delivered once:
 * several collectors of the same flow share the keys (each goes to exactly one of them). A key
 * counts as delivered once it is handed to a collector's block: if that collector is cancelled
 * while its block still handles the key, the key is not delivered again (record what must not be
 * lost before the block suspends); keys not yet handed over stay queued for the next collector.
 * Each call returns a new flow with its own queue that receives every reclaimed key.
 *
 * ```kotlin
 * val images = WeakValueDictionary<String, Image>()
 * val gone = images.reclaimedKeys()
 * scope.launch { gone.collect { name -> println("$name was reclaimed; reload on demand") } }
 * ```
 *
 * > The flow listens as long as it is reachable: while you hold it or a collector is collecting it.
 * > Once it is dropped and reclaimed, its listener is removed and what was still queued is dropped
 * > with it. It never completes: cancel the collector to stop. Keys are queued on the engine thread
 * > `weakref-reclaimer` after the mapping is gone. Mappings removed by a caller are not reported.
 *
 * @return a new flow of the keys of reclaimed values, in reclaim order
 */
public fun <K : Any, V : Any> WeakValueDictionary<K, V>.reclaimedKeys(): Flow<K> {
  val flow = QueueFlow<K>()
  val buffer = flow.buffer // the listener must hold the buffer only, never the flow
  return flow.listening(onReclaim { k -> buffer.offer(k) })
}

/**
 * Returns a hot [Flow] of how many elements this set loses to the garbage collector, batch by batch,
 * from now on: each emission counts the elements reclaimed since the previous one, never a running
 * total.
 *
 * Python: none. Built on [WeakSet.onReclaim]. Counts are kept, not queued: each emission is the
 * number of elements reclaimed since the previous one (at least 1), so what the engine reclaimed
 * while the collector was busy or absent arrives merged into one count; the sum of the emissions is
 * exactly the number of elements reclaimed. Several collectors of the same flow share the counts (each
 * element is counted by exactly one of them). A count is delivered once it is handed to a
 * collector's block, even if that collector is cancelled while its block still handles it; what was
 * not handed over yet stays for the next collector. Each call returns a new flow that counts every
 * reclaimed element.
 *
 * ```kotlin
 * val sessions = weakSetOf<Session>()
 * scope.launch { sessions.reclaimedCount().collect { n -> metrics.sessionsLeaked.increment(n) } }
 * ```
 *
 * > The flow listens as long as it is reachable: while you hold it or a collector is collecting it.
 * > It never completes: cancel the collector to stop. Elements removed by a caller are not counted.
 *
 * @return a new flow of reclaim counts, each at least 1
 */
public fun WeakSet<*>.reclaimedCount(): Flow<Int> {
  val flow = CountFlow()
  val buffer = flow.buffer // the listener must hold the buffer only, never the flow
  return flow.listening(onReclaim { n -> buffer.add(n) })
}

/**
 * A hot flow over a buffer the container's listener fills; each item goes to exactly one collector.
 *
 * The listener holds only [buffer], never the flow, so the flow is reachable only from its user and
 * its running collectors (whose frames hold it, see [collect]). A finalizer on the flow removes the
 * listener once the flow is reclaimed: a dropped flow costs nothing afterwards.
 */
internal abstract class ReclaimedFlow<T : Any, B : ReclaimBuffer<T>>(val buffer: B) : Flow<T> {

  /** Removes [registration] once this flow is reclaimed; returns this flow. */
  fun listening(registration: ReclaimRegistration): Flow<T> {
    Finalizer.of(this, Runnable { registration.close() }).setAtExit(false)
    return this
  }

  /*
   * Emits straight to the downstream collector, not through a SafeCollector: SafeCollector checks
   * for cancellation after the item is taken and before the downstream sees it, which would lose
   * the item. Here an item taken is handed to the downstream at once; the cancellation check comes
   * before the take.
   */
  override suspend fun collect(collector: FlowCollector<T>) {
    try {
      while (true) {
        currentCoroutineContext().ensureActive()
        val item = buffer.take()
        if (item != null) {
          collector.emit(item)
        } else {
          buffer.awaitMore()
        }
      }
    } finally {
      buffer.passWakeUp()
      Reference.reachabilityFence(this) // a collector keeps the flow, hence its listener, alive
    }
  }
}

/**
 * What a [ReclaimedFlow] delivers from, filled on the engine thread. A conflated wake-up signal
 * follows every [signal]; each waiting collector looks again after it wakes, and one that stops
 * passes a wake-up on if items are left, so that a wake-up it took is never lost to the others.
 */
internal abstract class ReclaimBuffer<T : Any> {
  private val wakeUp = Channel<Unit>(Channel.CONFLATED)

  /** Takes the next item, or returns `null` if there is none now. */
  abstract fun take(): T?

  abstract fun isEmpty(): Boolean

  protected fun signal() {
    wakeUp.trySend(Unit)
  }

  suspend fun awaitMore() {
    wakeUp.receive()
  }

  fun passWakeUp() {
    if (!isEmpty()) {
      signal()
    }
  }
}

/** Items in arrival order, unbounded. */
internal class QueueBuffer<T : Any> : ReclaimBuffer<T>() {
  private val items = ConcurrentLinkedQueue<T>()

  fun offer(item: T) {
    items.add(item)
    signal()
  }

  override fun take(): T? = items.poll()

  override fun isEmpty(): Boolean = items.isEmpty()
}

/** A count taken whole by the next collector that asks. */
internal class CountBuffer : ReclaimBuffer<Int>() {
  private val pending = AtomicLong()

  fun add(n: Int) {
    pending.addAndGet(n.toLong())
    signal()
  }

  override fun take(): Int? {
    while (true) {
      val n = pending.get()
      if (n == 0L) {
        return null
      }
      val taken = minOf(n, Int.MAX_VALUE.toLong())
      if (pending.compareAndSet(n, n - taken)) {
        return taken.toInt()
      }
    }
  }

  override fun isEmpty(): Boolean = pending.get() == 0L
}

internal class QueueFlow<T : Any> : ReclaimedFlow<T, QueueBuffer<T>>(QueueBuffer())

internal class CountFlow : ReclaimedFlow<Int, CountBuffer>(CountBuffer())
