package dev.weakref.coroutines

import dev.weakref.collectGarbage
import dev.weakref.engine.ReclaimEvent
import dev.weakref.engine.ReclaimListener
import dev.weakref.engine.Reclaimer
import dev.weakref.weakRef
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

private class Marked(val n: Int)

/** The refs stay reachable: a referent is reported only if one of its refs is still alive. */
private val keptRefs = java.util.concurrent.ConcurrentLinkedQueue<Any>()

private fun makeGarbage(count: Int) {
  repeat(count) { keptRefs.add(Marked(it).weakRef()) }
}

/** Notes the sequence number of every event the engine delivers to it, in order. */
private class Sequences : ReclaimListener {
  val seen: MutableList<Long> = CopyOnWriteArrayList()

  override fun onReclaim(event: ReclaimEvent) {
    seen += event.sequence
  }
}

class ReclaimFlowsKotlinTest : FunSpec({

  test("every reclaimed referent arrives once, even to a slow collector") {
    val events =
        async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
          withTimeout(30_000) {
            reclaimEvents().filter { it.referentType == Marked::class.java }.take(100).toList()
          }
        }
    // The listener is registered when the flow's producer starts; keep reclaiming until it has seen 100.
    while (!events.isCompleted) {
      makeGarbage(100)
      collectGarbage()
    }
    val got = events.await()
    got shouldHaveSize 100
    got.map { it.sequence }.toSet() shouldHaveSize 100
  }

  test("cancelling a collector unregisters it and leaves the engine running") {
    // The engine numbers an event only while some listener is registered, one more than the last.
    // Two listeners of the test's own, one before and one after the window below, see every number
    // given out while they listen; a listener left behind by the cancelled collector would be the
    // only one in the window, and what is reclaimed there would be numbered for it alone.
    val before = Sequences()
    Reclaimer.addListener(before).use {
      val gate = Channel<Unit>(1)
      val job =
          launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            reclaimEvents().collect { gate.trySend(Unit) }
          }
      job.cancel()
      job.join()
      makeGarbage(1)
      collectGarbage()
    }
    makeGarbage(10) // the window: reclaimed while no one should listen
    collectGarbage()
    val after = Sequences()
    Reclaimer.addListener(after).use {
      makeGarbage(1)
      collectGarbage()
    }
    before.seen.shouldNotBeEmpty()
    after.seen.shouldNotBeEmpty()
    withClue("events numbered between the two listeners, for a listener still registered") {
      after.seen.first() shouldBe before.seen.last() + 1
    }
    Reclaimer.isAlive() shouldBe true
  }
})
