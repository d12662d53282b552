package dev.weakref.coroutines

import dev.weakref.WeakKeyDictionary
import dev.weakref.WeakSet
import dev.weakref.WeakValueDictionary
import dev.weakref.collectGarbage
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import java.lang.ref.WeakReference
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

private class Key(val n: Int)

private class Value(val n: Int)

private const val N = 10_000

/** Not inline on purpose: the keys are unreachable once this returns. */
private fun fillKeys(d: WeakKeyDictionary<Key, Value>, count: Int) {
  repeat(count) { d[Key(it)] = Value(it) }
}

/** Not inline on purpose: the values are unreachable once this returns. */
private fun fillValues(d: WeakValueDictionary<Int, Value>, count: Int) {
  repeat(count) { d[it] = Value(it) }
}

/** Not inline on purpose: the elements are unreachable once this returns. */
private fun fillSet(s: WeakSet<Key>, count: Int) {
  repeat(count) { s.add(Key(it)) }
}

/** Makes a flow, drops it, and returns a weak reference to the queue its listener fills. */
private fun droppedFlowBuffer(d: WeakKeyDictionary<Key, Value>): WeakReference<Any> =
    WeakReference((d.reclaimedValues() as QueueFlow<*>).buffer)

/** A deliberately slow collector: it suspends every 100 items. */
private fun Flow<Value>.slowly(): Flow<Int> = map {
  if (it.n % 100 == 0) delay(1) // sleep-ok: a deliberately slow collector, not a wait for the GC
  it.n
}

class ContainerFlowsKotlinTest : FunSpec({

  context("WeakKeyDictionary.reclaimedValues") {
    test("10,000 values reach a slow collector, each once, while reclaims go on") {
      val d = WeakKeyDictionary<Key, Value>()
      val evictions = d.reclaimedValues()
      val got = launchCollecting(evictions.slowly(), N)
      fillKeys(d, N)
      collectGarbage()
      d.size shouldBe 0
      val values = withTimeout(60_000) { got.await() }
      values shouldHaveSize N
      values.toSet() shouldBe (0 until N).toSet()
      (evictions as QueueFlow<*>).buffer.isEmpty() shouldBe true
    }

    test("values wait while nobody collects") {
      val d = WeakKeyDictionary<Key, Value>()
      val evictions = d.reclaimedValues()
      fillKeys(d, N)
      collectGarbage()
      val values = withTimeout(60_000) { evictions.slowly().take(N).toList() }
      values.toSet() shouldBe (0 until N).toSet()
    }

    test("a collector cancelled half-way loses nothing: with a second one, each value once") {
      val d = WeakKeyDictionary<Key, Value>()
      val evictions = d.reclaimedValues()
      fillKeys(d, N)
      collectGarbage()
      val first = ArrayList<Int>()
      val job =
          launch(Dispatchers.Default) {
            evictions.collect {
              first += it.n
              if (first.size == N / 2) currentCoroutineContext().cancel()
              yield() // throws once cancelled: this value was delivered
            }
          }
      job.join()
      first shouldHaveSize N / 2
      val second = withTimeout(60_000) { evictions.map { it.n }.take(N - first.size).toList() }
      (first + second).toSet() shouldBe (0 until N).toSet()
      (evictions as QueueFlow<*>).buffer.isEmpty() shouldBe true
    }

    test("two concurrent collectors get disjoint shares that make up every value") {
      val d = WeakKeyDictionary<Key, Value>()
      val evictions = d.reclaimedValues()
      val shares = List(2) { ConcurrentHashMap.newKeySet<Int>() }
      val total = AtomicInteger()
      val done = CompletableDeferred<Unit>()
      val jobs =
          shares.map { share ->
            launch(Dispatchers.Default) {
              evictions.collect {
                check(share.add(it.n)) { "${it.n} twice" }
                if (it.n % 50 == 0) yield()
                if (total.incrementAndGet() == N) done.complete(Unit)
              }
            }
          }
      fillKeys(d, N)
      collectGarbage()
      withTimeout(60_000) { done.await() }
      jobs.forEach { it.cancelAndJoin() }
      (shares[0] intersect shares[1]) shouldBe emptySet()
      (shares[0] + shares[1]) shouldBe (0 until N).toSet()
    }

    test("a collector keeps a flow that nobody else holds listening") {
      val d = WeakKeyDictionary<Key, Value>()
      val got = CompletableDeferred<Int>()
      val job =
          launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            d.reclaimedValues().collect { got.complete(it.n) }
          }
      collectGarbage()
      collectGarbage()
      fillKeys(d, 1)
      collectGarbage()
      withTimeout(30_000) { got.await() } shouldBe 0
      job.cancelAndJoin()
    }

    test("a dropped flow stops listening and its queue goes") {
      val d = WeakKeyDictionary<Key, Value>()
      val buffer = droppedFlowBuffer(d)
      collectGarbage() // reclaims the flow; its finalizer removes the listener
      collectGarbage() // then the queue, which only the listener held
      buffer.get().shouldBeNull()
    }
  }

  context("WeakValueDictionary.reclaimedKeys") {
    test("10,000 keys reach a slow collector, each once") {
      val d = WeakValueDictionary<Int, Value>()
      val gone = d.reclaimedKeys()
      val got =
          launchCollecting(
              gone.map {
                if (it % 100 == 0) delay(1) // sleep-ok: a deliberately slow collector
                it
              },
              N)
      fillValues(d, N)
      collectGarbage()
      d.size shouldBe 0
      withTimeout(60_000) { got.await() }.toSet() shouldBe (0 until N).toSet()
    }
  }

  context("WeakSet.reclaimedCount") {
    test("counts per batch, not a running total, that add up to every element") {
      val s = WeakSet<Key>()
      val counts = s.reclaimedCount()
      val sums = ArrayList<Int>()
      val collected =
          launch(Dispatchers.Default) {
            var sum = 0
            counts
                .transformWhile {
                  emit(it)
                  sum += it
                  sum < N
                }
                .collect {
                  it shouldBeGreaterThan 0
                  sums += it
                  delay(1) // sleep-ok: a deliberately slow collector
                }
          }
      fillSet(s, N)
      collectGarbage()
      withTimeout(60_000) { collected.join() }
      sums.sum() shouldBe N
    }

    test("what was reclaimed while nobody collected arrives as one count") {
      val s = WeakSet<Key>()
      val counts = s.reclaimedCount()
      fillSet(s, 1_000)
      collectGarbage()
      counts.first() shouldBe 1_000
    }
  }
})

/** Starts collecting [count] items of [flow] at once (undispatched), on another thread after that. */
private fun <T> CoroutineScope.launchCollecting(flow: Flow<T>, count: Int): Deferred<List<T>> =
    async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
      flow.take(count).toList()
    }
