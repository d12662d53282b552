package dev.weakref.coroutines

import dev.weakref.collectGarbage
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

private const val N = 100_000

/** Registers [count] objects that nothing else holds, tagged 0 until [count] (own frame: they die). */
private fun registerGarbage(queue: ReclaimQueue<Int>, count: Int, from: Int = 0) {
  for (i in from until from + count) queue.register(Any(), i)
}

/** A collector that is slow on purpose: it yields after every tag and pauses now and then. */
private suspend fun slowly(i: Int) {
  yield()
  if (i % 10_000 == 0) delay(1) // sleep-ok: a slow collector, on purpose
}

class ReclaimQueueKotlinTest : FunSpec({

  test("100,000 dropped objects: exactly 100,000 tags, each once, to a slow collector") {
    val queue = ReclaimQueue<Int>()
    val got = Collections.synchronizedList(ArrayList<Int>())
    val collector =
        async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
          queue.reclaimed.collect {
            got += it
            slowly(got.size)
          }
        }
    registerGarbage(queue, N)
    collectGarbage() // every tag is queued when this returns
    queue.close() // the collector completes once it has taken them all
    withTimeout(60_000) { collector.await() }
    got.size shouldBe N
    got.sorted() shouldContainExactly (0 until N).toList()
  }

  test("a collector cancelled half-way and a second one: every tag exactly once in the union") {
    val queue = ReclaimQueue<Int>()
    val first = Collections.synchronizedList(ArrayList<Int>())
    val count = AtomicInteger()
    val job =
        launch(Dispatchers.Default) {
          queue.reclaimed.collect {
            first += it
            count.incrementAndGet()
            slowly(it)
          }
        }
    registerGarbage(queue, N)
    collectGarbage()
    while (count.get() < N / 2) yield()
    job.cancelAndJoin() // wherever it is: in emit, in the flow, or between two tags
    queue.close()
    val second = withTimeout(60_000) { queue.reclaimed.toList() }
    (first.toSet() intersect second.toSet()).shouldBeEmpty()
    (first + second).sorted() shouldContainExactly (0 until N).toList()
  }

  test("two concurrent collectors: disjoint and complete") {
    val queue = ReclaimQueue<Int>()
    val a = Collections.synchronizedList(ArrayList<Int>())
    val b = Collections.synchronizedList(ArrayList<Int>())
    val ja = launch(Dispatchers.Default) { queue.reclaimed.collect { a += it; slowly(it) } }
    val jb = launch(Dispatchers.Default) { queue.reclaimed.collect { b += it; slowly(it) } }
    // In two waves, so that both collectors wait for tags and are woken again.
    registerGarbage(queue, N / 2)
    collectGarbage()
    registerGarbage(queue, N / 2, from = N / 2)
    collectGarbage()
    queue.close()
    withTimeout(60_000) {
      ja.join()
      jb.join()
    }
    (a.toSet() intersect b.toSet()).shouldBeEmpty()
    (a + b).sorted() shouldContainExactly (0 until N).toList()
  }

  test("four collectors racing for the last tag of many small batches: disjoint and complete") {
    // Each wave is two engine batches or less, which the collectors drain to empty: the last tag
    // (taken under the lock) and the others (taken by compare-and-set) are raced for again and
    // again, while the engine appends the next batch.
    val queue = ReclaimQueue<Int>()
    val lists = List(4) { Collections.synchronizedList(ArrayList<Int>()) }
    val jobs = lists.map { list -> launch(Dispatchers.Default) { queue.reclaimed.collect { list += it } } }
    val waves = 20
    val perWave = 500
    for (w in 0 until waves) {
      registerGarbage(queue, perWave, from = w * perWave)
      awaitCollection()
    }
    queue.close()
    withTimeout(60_000) { jobs.joinAll() }
    val all = lists.flatten()
    all.size shouldBe waves * perWave // no tag twice
    all.sorted() shouldContainExactly (0 until waves * perWave).toList()
  }

  test("eight collectors racing a producer that delivers one or two tags at a time: disjoint and complete") {
    // Without the collector: the registrations are delivered off the engine thread (the on-the-spot
    // path), so that tags come one or two at a time, tens of thousands of times, and the collectors
    // race for the last one (under the lock) and the others (compare-and-set) as often as can be.
    val queue = ReclaimQueue<Int>()
    val kept = Array(100_000) { Any() }
    for (i in kept.indices) queue.register(kept[i], i)
    val newest = ReclaimQueue::class.java.getDeclaredField("newest").apply { isAccessible = true }
    val reclaimed = QueueRef::class.java.getDeclaredMethod("reclaimed").apply { isAccessible = true }
    val refs = ArrayList<QueueRef>()
    var r = newest.get(queue) as QueueRef?
    while (r != null) {
      refs += r
      r = r.next
    }
    val lists = List(8) { Collections.synchronizedList(ArrayList<Int>()) }
    val jobs = lists.map { list -> launch(Dispatchers.Default) { queue.reclaimed.collect { list += it } } }
    launch(Dispatchers.Default) {
      for ((i, ref) in refs.withIndex()) {
        reclaimed.invoke(ref)
        if (i % 2 == 0) yield()
      }
    }.join()
    queue.close()
    withTimeout(60_000) { jobs.joinAll() }
    val all = lists.flatten()
    all.size shouldBe kept.size // no tag twice
    all.sorted() shouldContainExactly kept.indices.toList()
    java.lang.ref.Reference.reachabilityFence(kept)
  }

  test("close() while the engine delivers: nothing twice, nothing after the end, no collector left hanging") {
    repeat(20) { round ->
      val queue = ReclaimQueue<Int>()
      val got = Collections.synchronizedList(ArrayList<Int>())
      val jobs = List(2) { launch(Dispatchers.Default) { queue.reclaimed.collect { got += it } } }
      registerGarbage(queue, 5_000)
      val closer = launch(Dispatchers.Default) {
        repeat(round) { yield() } // closes at a different point of the delivery each round
        queue.close()
      }
      awaitCollection()
      closer.join()
      withTimeout(60_000) { jobs.joinAll() } // close() ends them, whatever was delivered
      got.toSet().size shouldBe got.size
      got.all { it in 0 until 5_000 } shouldBe true
      withTimeout(10_000) { queue.reclaimed.toList() }.shouldBeEmpty() // all taken before the end
    }
  }

  test("a registration reclaimed off the engine thread is delivered at once, not lost") {
    // The batch hand-off needs the engine thread; where it cannot be arranged (off that thread, or
    // no memory to queue it), the tag is delivered on the spot.
    val queue = ReclaimQueue<String>()
    val kept = Any()
    queue.register(kept, "now")
    val field = ReclaimQueue::class.java.getDeclaredField("newest").apply { isAccessible = true }
    val ref = field.get(queue) as QueueRef
    // As the engine would, but on this thread (reclaimed() is protected: reflection).
    QueueRef::class.java.getDeclaredMethod("reclaimed").apply { isAccessible = true }.invoke(ref)
    withTimeout(10_000) { queue.reclaimed.first() } shouldBe "now"
    field.get(queue) shouldBe null // unlinked
    queue.close()
    java.lang.ref.Reference.reachabilityFence(kept)
  }

  test("tags wait while nobody collects; close() completes collectors after them") {
    val queue = ReclaimQueue<Int>()
    val kept = Any()
    queue.register(kept, -1) // alive at close: dropped, never delivered
    registerGarbage(queue, 10)
    collectGarbage()
    queue.close()
    queue.close() // again: nothing
    withTimeout(10_000) { queue.reclaimed.toList() }.sorted() shouldContainExactly (0 until 10).toList()
    withTimeout(10_000) { queue.reclaimed.toList() }.shouldBeEmpty() // nothing twice
    shouldThrow<IllegalStateException> { queue.register(Any(), 1) }.message shouldContain "closed"
    java.lang.ref.Reference.reachabilityFence(kept)
  }

  test("close() wakes a collector that waits on an empty queue") {
    val queue = ReclaimQueue<String>()
    val collector =
        async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { queue.reclaimed.toList() }
    queue.close()
    withTimeout(10_000) { collector.await() }.shouldBeEmpty()
  }

  test("a collector that waits for a tag is woken by the reclaim") {
    val queue = ReclaimQueue<String>()
    val tag =
        async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { queue.reclaimed.first() }
    queueGarbage(queue, "gone")
    collectGarbage()
    withTimeout(10_000) { tag.await() } shouldBe "gone"
    queue.close()
  }

  test("refuses value-based objects and a tag that is the object") {
    val queue = ReclaimQueue<Any>()
    shouldThrow<IllegalArgumentException> { queue.register(Integer.valueOf(1000), "x") }
        .message shouldContain "value-based java.lang.Integer"
    val o = Any()
    shouldThrow<IllegalArgumentException> { queue.register(o, o) }.message shouldContain "itself"
    queue.close()
  }
})

private fun queueGarbage(queue: ReclaimQueue<String>, tag: String) = queue.register(Any(), tag)
