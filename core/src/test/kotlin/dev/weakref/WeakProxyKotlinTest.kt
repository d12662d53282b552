package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.CopyOnWriteArrayList

/** A Kotlin `fun interface`: counts as callable, like a Java `@FunctionalInterface`. */
fun interface Handler {
  fun handle(event: String): String
}

/** A plain Kotlin interface with one method: not callable, like Java's `Comparable`. */
interface Describer {
  fun describe(): String
}

private class Screen(val name: String) : Describer {
  override fun describe() = "screen $name"
}

class WeakProxyKotlinTest : FunSpec({

  context("weakProxy") {
    test("weakProxy<I>() passes calls through and is the shared proxy WeakProxy.of returns") {
      val screen = Screen("s")
      val p = screen.weakProxy<Describer>()
      p.describe() shouldBe "screen s"
      p shouldBeSameInstanceAs WeakProxy.of(screen, Describer::class.java)
      p.shouldBeInstanceOf<WeakProxy>()
      (p is CallableWeakProxy).shouldBeFalse()
      screen.weakRefCount shouldBe 1
    }

    test("calls throw ReferenceError after the referent is reclaimed; toString says dead") {
      val p = proxyToGarbage()
      collectGarbage()
      shouldThrow<ReferenceError> { p.describe() }.message shouldBe "weakly-referenced object no longer exists"
      p.toString() shouldEndWith "; dead>"
      shouldThrow<UnsupportedOperationException> { p.hashCode() }
    }

    test("the callback receives the proxy") {
      val seen = CopyOnWriteArrayList<Describer>()
      val p = proxyToGarbage { seen.add(it) }
      collectGarbage()
      seen shouldContainExactly listOf(p)
    }

    test("Kotlin function types and fun interfaces make callable proxies") {
      val f: () -> String = { "called" }
      val fp = f.weakProxy<() -> String>()
      fp.shouldBeInstanceOf<CallableWeakProxy>()
      fp() shouldBe "called"

      val h = Handler { e -> "handled $e" }
      val hp = h.weakProxy<Handler>()
      hp.shouldBeInstanceOf<CallableWeakProxy>()
      hp.handle("x") shouldBe "handled x"
      (WeakProxy.of(h) is CallableWeakProxy).shouldBeTrue()

      val d = object : Describer {
        override fun describe() = "plain"
      }
      (d.weakProxy<Describer>() is CallableWeakProxy).shouldBeFalse()
    }

    test("an object with no interface is refused with a message that says so") {
      shouldThrow<IllegalArgumentException> { WeakProxy.of(Any()) }.message!!.contains("implements no interface").shouldBeTrue()
      shouldThrow<IllegalArgumentException> { Screen("x").weakProxy<Runnable>() }
    }
  }
})

/** Not inline on purpose: an inline weakProxy call would keep the screen alive in the test's frame. */
private fun proxyToGarbage(): Describer = Screen("gone").weakProxy()

private fun proxyToGarbage(callback: (Describer) -> Unit): Describer = Screen("gone").weakProxy(callback)
