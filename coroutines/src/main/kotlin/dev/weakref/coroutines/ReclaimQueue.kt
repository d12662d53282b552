package dev.weakref.coroutines

import dev.weakref.internal.engine.Engine
import dev.weakref.internal.engine.EngineReference
import java.lang.invoke.MethodHandles
import java.lang.invoke.VarHandle
import java.lang.ref.Reference
import java.util.ArrayDeque
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * A reference queue as a hot [Flow]: [register] an object with a tag of yours, and [reclaimed] emits
 * the tag once the garbage collector has reclaimed the object.
 *
 * Python has no counterpart; this is `java.lang.ref.ReferenceQueue` for coroutines, without a
 * thread per queue. A registration holds the object only weakly and its tag strongly, until the tag
 * is delivered. The tags wait in the queue while nobody collects; each tag is delivered exactly once,
 * to one of the collectors of [reclaimed], however many there are. A tag counts as delivered once
 * it is handed to a collector's block: if that collector is cancelled while its block still handles
 * the tag (suspended in it, say), the tag is not handed to anyone again, so record what must not be
 * lost before the block suspends. Tags not yet handed over stay queued for the next collector: a
 * tag is taken off the queue only to be handed straight to `emit`, and cancellation is checked
 * before taking, never in between. [close] completes the collectors normally once they have
 * emptied the queue, and drops the registrations whose objects are still alive.
 *
 * ```kotlin
 * val uploads = ReclaimQueue<Path>()
 * uploads.register(buffer, tempFile)            // buffer weakly, tempFile strongly
 * scope.launch {
 *   uploads.reclaimed.collect { file -> Files.deleteIfExists(file) }
 * }
 * // later: uploads.close() ends the collector once the queued tags are handled
 * ```
 *
 * > **Threads.** Reclamation is noticed on the engine thread `weakref-reclaimer` (see
 * > [dev.weakref.engine.Reclaimer]), which hands over the tags of each batch of reclaimed objects it
 * > processes at once, at the batch's end, and resumes as many waiting collectors; a collector then
 * > runs in its own context. [dev.weakref.collectGarbage] and [awaitCollection]
 * > return only after the tags of the objects they reclaimed are in the queue. Actions of a thread
 * > before it calls [register] *happen-before* the collector receives that tag.
 *
 * > **Keep the queue.** Like a `ReferenceQueue`, a queue that nothing references any more (not even
 * > a running collector's scope) is collected together with its registrations, whose tags are then
 * > never delivered. An operator such as `buffer()` between the flow and your collector holds tags
 * > of its own, which a cancellation drops: collect [reclaimed] directly when every tag matters.
 *
 * A registration costs one object of 48 bytes (as a `Cleaner` registration does) plus the tag.
 *
 * @param T the type of the tags
 */
public class ReclaimQueue<T : Any> : AutoCloseable {
  /** Guards the registration list, [waiters], [closed] and [tail]; tags are queued under it too. */
  private val lock = Any()
  /** The newest live registration; the list keeps the registrations (references) reachable. */
  private var newest: QueueRef? = null
  private val waiters = ArrayDeque<CancellableContinuation<Unit>>()
  /**
   * The oldest delivered registration whose tag no collector has taken yet, `null` when none: the
   * head of the queue of tags, linked through [QueueRef.queued]. Collectors take from it with a
   * compare-and-set, but for the last one, which they take under [lock] (see [take]).
   */
  private val head = AtomicReference<QueueRef?>()
  /** The newest delivered registration not yet taken, `null` when none; guarded by [lock]. */
  private var tail: QueueRef? = null
  @Volatile private var closed = false
  /**
   * The engine's token (see `Engine`) while the queue has registrations: taken with the first,
   * dropped with the last. A registration stays linked until the engine has processed it and
   * reaches this queue through [QueueRef.owner], so one on the engine's queue keeps the engine
   * thread, and the registrations pay no field for it. Guarded by [lock].
   */
  private var engineToken: Any? = null

  /*
   * The engine thread's hand-off: the registrations the engine reclaimed in its current batch,
   * linked through QueueRef.queued, are delivered together at the batch's end ([deliverBatch]),
   * under one acquisition of [lock] and with one wake-up, rather than one each. Engine thread only.
   */
  private var batchFirst: QueueRef? = null
  private var batchLast: QueueRef? = null
  /** Run by the engine once its batch is done: delivers [batchFirst] and the rest. */
  internal val batchDelivery = Runnable { deliverBatch() }

  /**
   * The tags of the reclaimed objects, each delivered once to one collector.
   *
   * Hot: it emits tags queued before the collector started, and the tags of objects reclaimed
   * while nobody collected. Never completes while the queue is open; after [close] it completes
   * normally once the queue is empty. Several collectors share the tags.
   *
   * ```kotlin
   * val queue = ReclaimQueue<String>()
   * queue.register(Any(), "first")
   * awaitCollection()
   * queue.reclaimed.first()                      // "first"
   * ```
   */
  public val reclaimed: Flow<T> = Reclaimed()

  /**
   * Tracks [obj] with [tag]: once [obj] is reclaimed, [reclaimed] emits [tag].
   *
   * The object is held weakly, the tag strongly until delivered. An object may be registered
   * several times, with the same or different tags: each registration delivers its tag once. The
   * tag must not hold the object, or the object could never be reclaimed.
   *
   * ```kotlin
   * val sessions = ReclaimQueue<Long>()
   * sessions.register(session, session.id)     // a tag of plain data, not the session
   * ```
   *
   * @throws IllegalStateException if the queue is closed
   * @throws IllegalArgumentException if [tag] is [obj] itself, or if [obj] is of a JDK value-based
   *   class such as `java.lang.Integer` (a boxed `Int`), whose identity means nothing
   */
  public fun register(obj: Any, tag: T) {
    requireWatchable(obj)
    require(tag !== obj) {
      "the tag is the registered object itself (${obj.javaClass.name}): it could never be reclaimed"
    }
    val ref = QueueRef(obj, tag, this)
    synchronized(lock) {
      check(!closed) { "ReclaimQueue is closed: cannot register" }
      val n = newest
      if (n == null) engineToken = Engine.token() // may throw (no thread): nothing changed then
      ref.next = n
      n?.prev = ref
      newest = ref
    }
    // The object must outlive the linking: reclaimed before, its reference could fire unlinked.
    Reference.reachabilityFence(obj)
  }

  /**
   * Closes the queue: collectors of [reclaimed] complete normally once every tag already queued
   * has been emitted; registrations whose objects are still alive are dropped (their tags are never
   * delivered); [register] then throws. Closing again does nothing.
   *
   * ```kotlin
   * ReclaimQueue<String>().use { queue ->
   *   queue.register(Any(), "tag")
   * }
   * ```
   */
  override fun close() {
    val woken: Array<CancellableContinuation<Unit>>
    synchronized(lock) {
      if (closed) return
      closed = true
      var r = newest
      newest = null
      engineToken = null // nothing is left for the engine to do here
      while (r != null) {
        val next = r.next
        r.clear() // the collector will not queue it, nor will the engine act on it
        r.next = null
        r.prev = r // marks it unlinked, should the engine be about to act on it
        r = next
      }
      woken = waiters.toTypedArray()
      waiters.clear()
    }
    for (w in woken) w.resume(Unit)
  }

  /**
   * Engine thread: adds a reclaimed registration to the batch's hand-off.
   *
   * @return false if it is the batch's first, which the caller must then have delivered at the
   *   batch's end (or at once, with [deliver], if that cannot be arranged)
   */
  internal fun addToBatch(ref: QueueRef): Boolean {
    val last = batchLast ?: return false
    last.queued = ref
    batchLast = ref
    return true
  }

  /** Engine thread: makes [ref] the batch's first, once its delivery at the batch's end is queued. */
  internal fun startBatch(ref: QueueRef) {
    batchFirst = ref
    batchLast = ref
  }

  /** Engine thread, at the end of its batch: delivers what [addToBatch] gathered. */
  private fun deliverBatch() {
    val first = batchFirst ?: return
    batchFirst = null // before the wake-ups: a collector may run on this thread (Unconfined)
    batchLast = null
    deliver(first)
  }

  /**
   * Engine thread (or, should the batch's hand-off fail, the thread of [QueueRef.reclaimed]):
   * unlinks [first] and the registrations linked to it (through [QueueRef.queued]), queues their
   * tags, and wakes as many waiting collectors as there are tags, at most. Those that [close]
   * dropped meanwhile are skipped. Allocates nothing once the tags are queued, so that no
   * `OutOfMemoryError` can leave them queued with their collectors asleep.
   */
  internal fun deliver(first: QueueRef) {
    var wake = 0
    synchronized(lock) {
      var chainFirst: QueueRef? = null
      var chainLast: QueueRef? = null
      var count = 0
      var r: QueueRef? = first
      while (r != null) {
        val next = r.queued
        r.queued = null
        if (r.prev !== r) { // else dropped by close()
          val p = r.prev
          val n = r.next
          if (p == null) newest = n else p.next = n
          n?.prev = p
          r.next = null
          r.prev = r
          if (chainLast == null) chainFirst = r else chainLast.queued = r
          chainLast = r
          count++
        }
        r = next
      }
      if (newest == null) engineToken = null // the engine thread may end: see engineToken
      if (chainLast == null) return
      val t = tail
      if (t == null) head.set(chainFirst) else QueueRef.QUEUED.setRelease(t, chainFirst)
      tail = chainLast
      wake = minOf(count, waiters.size)
    }
    // One waiter at a time, each taken under the lock: a waiter that came meanwhile is woken just
    // as well (tags wait for it), and one cancelled meanwhile is no longer there to be taken.
    repeat(wake) {
      val waiter = synchronized(lock) { waiters.pollFirst() } ?: return
      waiter.resume(Unit)
    }
  }

  /**
   * Takes the oldest queued tag, or returns `null` if none is queued. All but the last queued tag
   * are taken with a compare-and-set on [head]; the last one, the [tail] to which the engine may be
   * appending, only under [lock], where nothing appends meanwhile.
   */
  private fun take(): Any? {
    while (true) {
      val h = head.get() ?: return null
      val n = QueueRef.QUEUED.getAcquire(h) as QueueRef?
      if (n != null) {
        if (head.compareAndSet(h, n)) {
          // Unlinked for good (a registration is queued once): cut its link, or a taken one that
          // a collection had already promoted would keep the later ones alive until the next
          // full collection. A taker that still reads it as the head then finds the head moved.
          h.queued = null
          return h.takeTag()
        }
      } else {
        synchronized(lock) {
          // Nothing appends while this is held, and only the tail's taker (under it) empties the
          // queue: h is still the last one if it is still the head and has no successor.
          if (head.get() === h && h.queued == null) {
            head.set(null)
            tail = null
            return h.takeTag()
          }
        }
      }
    }
  }

  private fun isEmpty(): Boolean = head.get() == null

  /** Wakes one waiting collector, if any: for a tag a cancelled waiter was woken for. */
  private fun wakeOne() {
    val waiter = synchronized(lock) { waiters.pollFirst() }
    waiter?.resume(Unit)
  }

  /** Suspends until a tag may be queued or the queue is closed. */
  private suspend fun awaitTag() {
    try {
      suspendCancellableCoroutine<Unit> { cont ->
        val waiting = synchronized(lock) {
          if (isEmpty() && !closed) {
            waiters.addLast(cont)
            true
          } else {
            false
          }
        }
        if (waiting) {
          cont.invokeOnCancellation { synchronized(lock) { waiters.remove(cont) } }
        } else {
          cont.resume(Unit)
        }
      }
    } catch (e: CancellationException) {
      // Woken for a tag, then cancelled before taking it: pass the wake-up on.
      if (!isEmpty()) wakeOne()
      throw e
    }
  }

  /** The flow of [reclaimed]: takes a tag only to hand it straight to `emit`. */
  private inner class Reclaimed : Flow<T> {
    override suspend fun collect(collector: FlowCollector<T>) {
      val job = currentCoroutineContext()[Job]
      while (true) {
        job?.ensureActive() // before taking a tag, never between taking and emitting it
        @Suppress("UNCHECKED_CAST")
        var tag = take() as T?
        if (tag == null) {
          if (closed) {
            // Tags are queued under the lock before it is closed: this take sees the last ones.
            @Suppress("UNCHECKED_CAST")
            tag = take() as T? ?: return
          } else {
            awaitTag()
            continue
          }
        }
        collector.emit(tag)
      }
    }
  }
}

/**
 * One registration of a [ReclaimQueue]: itself the engine reference that watches the object, so
 * that a registration is one object of 48 bytes (12 header, 16 of `Reference`, 5 fields here).
 */
internal class QueueRef(
    obj: Any,
    tag: Any,
    @JvmField val owner: ReclaimQueue<*>,
) : EngineReference<Any>(obj) {
  /** The tag until a collector takes it (see [takeTag]). */
  @JvmField var tag: Any? = tag
  /** Newer registration; guarded by the owner's lock. `prev === this` once unlinked. */
  @JvmField var prev: QueueRef? = null
  /** Older registration; guarded by the owner's lock. */
  @JvmField var next: QueueRef? = null
  /**
   * The next registration reclaimed in the engine's batch (engine thread only), then, once
   * delivered, the next in the owner's queue of tags: written under the owner's lock, and read by
   * collectors with [QUEUED] in acquire mode.
   */
  @JvmField var queued: QueueRef? = null

  /**
   * Returns the tag, dropped from here: a taken registration the collector had promoted would
   * otherwise keep its tag until an old-generation collection.
   */
  fun takeTag(): Any {
    val t = tag!!
    tag = null
    return t
  }

  override fun reclaimed() {
    if (owner.addToBatch(this)) return
    try {
      atBatchEnd(owner.batchDelivery)
    } catch (e: Throwable) {
      // No hand-off at the batch's end: an OutOfMemoryError, or called off the engine thread (a
      // test does, and atBatchEnd then throws IllegalStateException). Deliver this one now rather
      // than lose it.
      owner.deliver(this)
      return
    }
    owner.startBatch(this)
  }

  internal companion object {
    /** [queued], for the collectors' acquire reads and the publishing release write. */
    @JvmField
    val QUEUED: VarHandle =
        MethodHandles.lookup().findVarHandle(QueueRef::class.java, "queued", QueueRef::class.java)
  }
}
