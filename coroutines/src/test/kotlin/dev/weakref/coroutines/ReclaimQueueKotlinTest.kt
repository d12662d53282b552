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
