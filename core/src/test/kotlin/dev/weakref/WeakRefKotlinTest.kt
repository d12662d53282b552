package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.matchers.types.shouldNotBeSameInstanceAs
import java.util.concurrent.CopyOnWriteArrayList

class WeakRefKotlinTest : FunSpec({

  context("WeakRef") {
    test("weakRef() is the shared callback-less ref, the same one WeakRef.of returns") {
      val o = Any()
      val wr = o.weakRef()
      wr shouldBeSameInstanceAs o.weakRef()
      wr shouldBeSameInstanceAs WeakRef.of(o)
      wr.callback.shouldBeNull()
      wr() shouldBeSameInstanceAs o
    }

    test("weakRef { } always makes a new ref whose callback runs once after collectGarbage") {
      val calls = CopyOnWriteArrayList<WeakRef<*>>()
      val (wr, other) = refsToGarbage { r -> calls.add(r) }
      wr shouldNotBeSameInstanceAs other
      collectGarbage()
      calls shouldContainExactly listOf(other, wr) // newest first
      wr().shouldBeNull()
    }

    test("callback property returns the Kotlin function given") {
      val fn: (WeakRef<Any>) -> Unit = {}
      val o = Any()
      val wr = o.weakRef(fn)
      wr.callback shouldBeSameInstanceAs fn
      o.weakRef().callback.shouldBeNull()
    }

    test("weakRefCount and weakRefs follow the live refs") {
      val o = Any()
      o.weakRefCount shouldBe 0
      val a = o.weakRef()
      val b = o.weakRef { }
      o.weakRefCount shouldBe 2
      o.weakRefs shouldContainExactly listOf(b, a)
    }

    test("value-based receivers are refused") {
      shouldThrow<IllegalArgumentException> { 42.weakRef() }.message shouldBe
          "cannot create weak reference to value-based java.lang.Integer"
    }
  }

  context("weakValue delegate") {
    test("holds its value weakly, and each delegate has its own slot") {
      val holder = Holder()
      val image = Any()
      holder.image = image
      holder.other.shouldBeNull()
      holder.image shouldBeSameInstanceAs image
      fillWithGarbage(holder)
      collectGarbage()
      holder.image shouldBeSameInstanceAs image
      holder.other.shouldBeNull()
      holder.image = null
      holder.image.shouldBeNull()
    }

    test("the initial value is held weakly too") {
      val holder = holderWithGarbageInitial()
      collectGarbage()
      holder.initial.shouldBeNull()
    }
  }
})

private class Holder {
  var image: Any? by weakValue()
  var other: Any? by weakValue()
  var initial: Any? by weakValue(Any())
}

private fun holderWithGarbageInitial(): Holder = Holder()

private fun fillWithGarbage(holder: Holder) {
  holder.other = Any()
}

/** Makes two callback refs to an object that is garbage when this returns (not inline on purpose). */
private fun refsToGarbage(callback: (WeakRef<Any>) -> Unit): Pair<WeakRef<Any>, WeakRef<Any>> {
  val o = Any()
  return o.weakRef(callback) to o.weakRef(callback)
}
