package dev.weakref.coroutines

import dev.weakref.WeakRef
import dev.weakref.collectGarbage
import dev.weakref.testing.Heap
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.concurrent.thread
import kotlin.coroutines.Continuation
import kotlin.coroutines.startCoroutine
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/** Something a coroutine waits for; held only by the test's array until the test drops it. */
private class Watched

private val STOP = kotlinx.coroutines.CancellationException("stop waiting")

private val WAITS = System.getProperty("waits", "1000000").toInt()

/** A ref to the object in `holder[0]`, made in a frame of its own. */
private fun refTo(holder: Array<Any?>): WeakRef<Any> = WeakRef(holder[0]!!)

/** A ref to an object nothing holds (own frame: no slot of the caller's keeps it). */
private fun refToGarbage(): WeakRef<Any> = WeakRef(Watched())

/** A signal for the object in `holder[0]`, made in a frame of its own. */
private fun signalFor(holder: Array<Any?>) = reclaimSignal(holder[0]!!)

/**
 * The heap in use after the last collection, as core's memory tests measure it: not
 * `totalMemory() - freeMemory()`, which counts the allocation buffers handed out to threads since
 * (megabytes each, after a busy phase), and so swung by megabytes from run to run.
 */
private fun usedHeapAfterGc(): Long {
  collectGarbage()
  collectGarbage()
  return Heap.usedAfterGc()
}

class AwaitReclaimedKotlinTest : FunSpec({

  test("awaitReclaimed does not keep its object alive: the object is reclaimed while it waits") {
    val holder = arrayOf<Any?>(Watched())
    val wr = refTo(holder)
    val waiter =
        launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { wr.awaitReclaimed() }
    collectGarbage()
    waiter.isCompleted shouldBe false // the object is alive: still waiting
    holder[0] = null
    collectGarbage() // if the waiting coroutine held the object, nothing would be reclaimed here
    wr.get().shouldBeNull()
    withTimeout(10_000) { waiter.join() }
    ReclaimWatch.LIVE.size shouldBe 0
  }

  test("awaitReclaimed returns at once for a dead ref, and ends even if the ref is dropped") {
    val holder = arrayOf<Any?>(Watched())
    val dead = refToGarbage()
    collectGarbage()
    withTimeout(10_000) { dead.awaitReclaimed() }
    val waiter =
        launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
          refTo(holder).awaitReclaimed() // nobody else holds this ref
        }
    holder[0] = null
    collectGarbage()
    withTimeout(10_000) { waiter.join() }
  }

  test("reclaimSignal completes once its object is reclaimed, for every awaiter") {
    val holder = arrayOf<Any?>(Watched())
    val gone = signalFor(holder)
    val waiters =
        List(3) {
          async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { gone.await() }
        }
    collectGarbage()
    gone.isCompleted shouldBe false
    holder[0] = null
    collectGarbage()
    withTimeout(10_000) { waiters.forEach { it.await() } }
    gone.isCompleted shouldBe true
  }

  test("a million cancelled waits leave no residue") {
    val keep = Watched()
    val wr = WeakRef(keep)
    val before = usedHeapAfterGc()
    val t0 = System.nanoTime()
    // Each wait is a bare coroutine under a Job of its own, cancelled through that Job: what a
    // cancelled wait leaves behind is measured, not the framework's per-coroutine debug costs.
    // On a thread of its own: stack traces that debug mode records are shallow there.
    var armed = 0
    thread {
          repeat(WAITS) {
            val job = Job()
            suspend { wr.awaitReclaimed() }.startCoroutine(Continuation(job) {})
            if (it == 0) armed = ReclaimWatch.LIVE.size // it does wait
            job.cancel(STOP)
          }
        }
        .join()
    armed shouldBe 1
    val t1 = System.nanoTime()
    thread { repeat(WAITS) { reclaimSignal(keep).cancel(STOP) } }.join()
    println("waits ${(t1 - t0) / 1_000_000} ms, signals ${(System.nanoTime() - t1) / 1_000_000} ms")
    val after = usedHeapAfterGc()
    val grown = after - before
    println("a million cancelled awaitReclaimed() and a million cancelled reclaimSignal(): " +
        "heap ${before / 1024} KiB before, ${after / 1024} KiB after, ${grown / 1024} KiB grown")
    ReclaimWatch.LIVE.size shouldBe 0
    // A residue of even one 32-byte reference per wait would be 64 MB.
    grown shouldBeLessThan 8L * 1024 * 1024
    wr.get() shouldBe keep
  }

  test("a cancelled wait is removed at once") {
    val keep = Watched()
    val wr = WeakRef(keep)
    val waiter = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { wr.awaitReclaimed() }
    ReclaimWatch.LIVE.size shouldBe 1
    waiter.cancelAndJoin()
    ReclaimWatch.LIVE.size shouldBe 0
    java.lang.ref.Reference.reachabilityFence(keep)
  }

  test("reclaimSignal refuses value-based objects") {
    shouldThrow<IllegalArgumentException> { reclaimSignal(java.time.LocalDate.of(2026, 1, 1)) }
        .message shouldContain "value-based java.time.LocalDate"
  }
})
