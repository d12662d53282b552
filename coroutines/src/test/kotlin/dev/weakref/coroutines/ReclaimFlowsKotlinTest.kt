package dev.weakref.coroutines

import dev.weakref.collectGarbage
import dev.weakref.engine.Reclaimer
import dev.weakref.weakRef
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
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

private fun makeGarbage(count: Int) {
  repeat(count) { Marked(it).weakRef() }
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
    val gate = Channel<Unit>(1)
    val job =
        launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
          reclaimEvents().collect { gate.trySend(Unit) }
        }
    job.cancel()
    job.join()
    makeGarbage(10)
    collectGarbage()
    Reclaimer.isAlive() shouldBe true
  }
})
