package dev.weakref.coroutines

import dev.weakref.Finalizer
import dev.weakref.WeakKeyDictionary
import dev.weakref.WeakMethod
import dev.weakref.WeakRef
import dev.weakref.WeakSet
import dev.weakref.WeakValueDictionary
import dev.weakref.collectGarbage
import dev.weakref.engine.ReclaimEvent
import dev.weakref.engine.ReclaimEvent.Kind
import dev.weakref.engine.Reclaimer
import dev.weakref.finalize
import dev.weakref.weakMethod
import dev.weakref.weakProxy
import dev.weakref.weakRef
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import java.util.Collections
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.withTimeout

private class ViaRef

private class ViaProxy : Runnable {
  override fun run() {}
}

private class ViaMethod {
  fun act() {}
}

private class ViaFinalizer

private class ViaCall

private class EntryKey

private class End

private class Early

/* Helpers, so that no frame of the test keeps the objects (or an inline call's receiver) alive. */

private fun refToGarbage(): WeakRef<ViaRef> = ViaRef().weakRef { }

private fun proxyToGarbage(): Runnable = ViaProxy().weakProxy<Runnable>()

private fun methodToGarbage(): WeakMethod<*> = weakMethod(ViaMethod()::act)

private fun finalizerToGarbage(): Finalizer<Unit> = finalize(ViaFinalizer()) {}

private fun endRefToGarbage(): WeakRef<End> = End().weakRef()

private fun earlyRefToGarbage(): WeakRef<Early> = Early().weakRef()

/**
 * Collects [reclaimEvents] until an [End] referent's event, included, within 30 s. Started
 * UNDISPATCHED: the collector has registered its listener when this returns.
 */
private fun CoroutineScope.collectUntilEnd(): Deferred<List<ReclaimEvent>> =
    async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
      withTimeout(30_000) {
        reclaimEvents().transformWhile { emit(it); it.referentKClass != End::class }.toList()
      }
    }

private fun fill(wkd: WeakKeyDictionary<EntryKey, Int>, wvd: WeakValueDictionary<Int, EntryKey>, set: WeakSet<EntryKey>) {
  repeat(3) { wkd[EntryKey()] = it }
  repeat(2) { wvd[it] = EntryKey() }
  set.add(EntryKey())
}

class ReclaimEventsFlowKotlinTest : FunSpec({

  test("every kind of reclaim appears in reclaimEvents(), with its fields") {
    collectGarbage() // what earlier tests left is reclaimed before the collector listens
    val before = System.nanoTime()
    val collected = collectUntilEnd()
    val ref = refToGarbage()
    val proxy = proxyToGarbage()
    val method = methodToGarbage()
    val reclaimed = finalizerToGarbage()
    val callMe = ViaCall()
    val called = finalize(callMe) {}
    val wkd = WeakKeyDictionary<EntryKey, Int>()
    val wvd = WeakValueDictionary<Int, EntryKey>()
    val set = WeakSet<EntryKey>()
    fill(wkd, wvd, set)
    called.call()
    collectGarbage()
    val end = endRefToGarbage() // published after all of the above: the collector stops at it
    collectGarbage()
    end.get() shouldBe null // and keeps the ref alive until then: a referent is reported if one is
    val events = collected.await().dropLast(1)

    fun ofKind(kind: Kind) = events.filter { it.kind == kind }
    ofKind(Kind.REFERENT).map { it.referentKClass }.toSet() shouldBe
        setOf(ViaRef::class, ViaProxy::class, ViaMethod::class)
    ofKind(Kind.REFERENT).forEach { it.referentKnown() shouldBe true }
    ofKind(Kind.REFERENT).single { it.referentKClass == ViaRef::class }.callbacks shouldBe 1
    ofKind(Kind.FINALIZER_RECLAIMED) shouldHaveSize 1
    ofKind(Kind.FINALIZER_RECLAIMED).single().referentKClass shouldBe Any::class
    ofKind(Kind.FINALIZER_CALLED).single().referentKClass shouldBe ViaCall::class
    ofKind(Kind.FINALIZER_CALLED).single().identityHash shouldBe System.identityHashCode(callMe)
    ofKind(Kind.WEAK_KEY) shouldHaveSize 3
    ofKind(Kind.WEAK_VALUE) shouldHaveSize 2
    ofKind(Kind.WEAK_SET_ELEMENT) shouldHaveSize 1
    events.filter { it.kind.isContainerEntry }.forEach { it.referentKnown() shouldBe false }
    events shouldHaveSize 3 + 1 + 1 + 3 + 2 + 1
    // One collector sees every sequence number from its start, in order; timestamps never decrease.
    events.zipWithNext().forEach { (a, b) ->
      b.sequence shouldBe a.sequence + 1
      (b.timestampNanos >= a.timestampNanos) shouldBe true
    }
    (events.first().timestampNanos >= before) shouldBe true
    listOf(ref.get(), method.get(), reclaimed.peek(), end.get()).forEach { it shouldBe null }
    proxy.toString() // kept until here
    wkd.size shouldBe 0
  }

  test("a collector started after an event does not see it") {
    collectGarbage()
    val early = earlyRefToGarbage()
    collectGarbage() // Early's event is published now, with no collector listening
    early.get() shouldBe null
    val collected = collectUntilEnd()
    val end = endRefToGarbage()
    collectGarbage()
    end.get() shouldBe null // the ref kept until then: a referent is reported if a ref is alive
    val events = collected.await()
    events.filter { it.referentKClass == Early::class }.shouldBeEmpty()
    events.map { it.referentKClass }.filter { it == End::class } shouldContainExactly listOf(End::class)
  }

  test("two collectors each get every event from their start; closing twice is harmless") {
    val seen = Collections.synchronizedList(ArrayList<ReclaimEvent>())
    val registration = Reclaimer.addListener { seen += it }
    val a = collectUntilEnd()
    // An unrelated reclaim between the two registrations, as any thread's could be: only a sees it.
    val early = earlyRefToGarbage()
    collectGarbage()
    early.get() shouldBe null
    val b = collectUntilEnd()
    val end = endRefToGarbage()
    collectGarbage()
    end.get() shouldBe null // the ref kept until then: a referent is reported if a ref is alive
    registration.close()
    registration.close()
    val seqA = a.await().map { it.sequence }
    val seqB = b.await().map { it.sequence }
    a.await().map { it.referentKClass } shouldContain Early::class
    // Each sees every event from its start, without gaps; from the first both saw, the same ones.
    listOf(seqA, seqB).forEach { seq -> seq.zipWithNext().forEach { (x, y) -> y shouldBe x + 1 } }
    val from = maxOf(seqA.first(), seqB.first())
    seqA.filter { it >= from } shouldBe seqB.filter { it >= from }
    seqA.last() shouldBe seqB.last() // the End event, seen by both
    seen.map { it.sequence }.containsAll(seqA) shouldBe true
    Reclaimer.removeListener { } shouldBe false
  }
})
