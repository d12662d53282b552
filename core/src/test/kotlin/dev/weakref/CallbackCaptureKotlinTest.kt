package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.util.concurrent.CopyOnWriteArrayList
import java.util.function.Consumer

/** A referent that proxies can implement, with an inner class that captures it. */
private class Gadget : Runnable {
  override fun run() {}

  inner class Watcher : Consumer<Any> {
    override fun accept(t: Any) {}
  }

  fun method() {}
}

class CallbackCaptureKotlinTest : FunSpec({

  context("weakRef { }") {
    test("a Kotlin lambda capturing the object is refused, naming the field") {
      val g = Gadget()
      val message = shouldThrow<IllegalArgumentException> { g.weakRef { println(g) } }.message!!
      message shouldStartWith "the WeakRef callback "
      message shouldContain "holds the referent in its field"
      message shouldContain "could never be reclaimed, so the callback would never run"
      g.weakRefCount shouldBe 0
    }

    test("the message names the Kotlin lambda, not the adapter around it") {
      val g = Gadget()
      val callback: (WeakRef<Gadget>) -> Unit = { println(g) }
      shouldThrow<IllegalArgumentException> { g.weakRef(callback) }.message shouldContain
          "the WeakRef callback ${callback.javaClass.name} holds"
    }

    test("a Kotlin anonymous object capturing the object is refused") {
      val g = Gadget()
      val callback = object : Consumer<WeakRef<Gadget>> {
        override fun accept(t: WeakRef<Gadget>) = println(g)
      }
      shouldThrow<IllegalArgumentException> { WeakRef(g, callback) }.message shouldContain
          "in its field '\$g' (the captured variable 'g' of a Kotlin lambda)"
    }

    test("an inner class of the object is refused, naming the enclosing instance") {
      val g = Gadget()
      shouldThrow<IllegalArgumentException> { WeakRef<Any>(g, g.Watcher()) }.message shouldContain
          "in its field 'this\$0' (the enclosing instance)"
    }

    test("a lambda capturing only other values is accepted and runs") {
      val log = CopyOnWriteArrayList<String>()
      val wr = refToGarbage(log, "gone")
      collectGarbage()
      log shouldContainExactly listOf("gone")
      wr().shouldBeNull()
    }
  }

  context("weakProxy { }") {
    test("a Kotlin lambda capturing the object is refused, naming the field") {
      val g = Gadget()
      val message = shouldThrow<IllegalArgumentException> {
        g.weakProxy<Runnable> { println(g) }
      }.message!!
      message shouldStartWith "the weak proxy callback "
      message shouldContain "holds the referent in its field"
      g.weakRefCount shouldBe 0
    }

    test("a lambda capturing only other values is accepted and runs") {
      val log = CopyOnWriteArrayList<String>()
      val p = proxyToGarbage(log, "gone")
      collectGarbage()
      log shouldContainExactly listOf("gone")
      shouldThrow<ReferenceError> { p.run() }
    }
  }

  context("weakMethod(c::method) { }") {
    test("a callback capturing the receiver is refused") {
      val g = Gadget()
      val message = shouldThrow<IllegalArgumentException> {
        weakMethod(g::method) { println(g) }
      }.message!!
      message shouldStartWith "the WeakMethod callback "
      message shouldContain "holds the referent in its field"
      g.weakRefCount shouldBe 0
    }
  }
})

/** Not inline, so that the referent is garbage once this returns. */
private fun refToGarbage(log: MutableList<String>, label: String): WeakRef<Gadget> =
    Gadget().weakRef { log.add(label) }

private fun proxyToGarbage(log: MutableList<String>, label: String): Runnable =
    Gadget().weakProxy { _: Runnable -> log.add(label) }
