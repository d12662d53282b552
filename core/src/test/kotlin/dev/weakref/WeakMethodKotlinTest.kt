package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.CopyOnWriteArrayList

private class Counter(val name: String) {
  var count = 0

  fun increment() {
    count++
  }

  fun add(a: Int, b: Int): Int {
    count += a + b
    return count
  }

  private fun secret(): String = "secret of $name"

  fun weakSecret() = weakMethod(this::secret)

  @Suppress("UNUSED_PARAMETER")
  fun seven(a: Int, b: Int, c: Int, d: Int, e: Int, f: Int, g: Int) = Unit

  override fun equals(other: Any?) = other is Counter && other.name == name

  override fun hashCode() = name.hashCode()
}

private fun Counter.shout(suffix: String): String = name.uppercase() + suffix

class WeakMethodKotlinTest : FunSpec({

  context("weakMethod") {
    test("get() rebinds the method to the live receiver on each call") {
      val c = Counter("c")
      val wm = weakMethod(c::increment)
      wm()!!.invoke()
      wm.get()!!()
      c.count shouldBe 2
      val add = weakMethod(c::add)
      add()!!(3, 4) shouldBe 9
      add()!!.name shouldBe "add"
      weakMethod(c::shout)()!!("!") shouldBe "C!" // a bound extension function
      c.weakSecret()()!!() shouldBe "secret of c" // a private method
    }

    test("returns null after the receiver is reclaimed, and the callback runs with the weak method") {
      val calls = CopyOnWriteArrayList<WeakMethod<*>>()
      val wm = weakMethodToGarbage { calls.add(it) }
      collectGarbage()
      wm().shouldBeNull()
      calls shouldContainExactly listOf(wm)
    }

    test("two made from the same live receiver and method are equal") {
      val c = Counter("c")
      val twin = Counter("c")
      weakMethod(c::increment) shouldBe weakMethod(c::increment)
      weakMethod(c::increment) shouldBe weakMethod(twin::increment)
      weakMethod(c::increment).hashCode() shouldBe weakMethod(c::increment).hashCode()
      weakMethod(c::increment) shouldNotBe weakMethod(Counter("other")::increment)
      weakMethod(c::increment) shouldNotBe weakMethod(c::add)
    }

    test("the weak method holds the receiver weakly while a plain weak ref to c::method dies at once") {
      val c = Counter("alive")
      val wm = weakMethod(c::increment)
      val plain = plainRef(c)
      collectGarbage()
      plain().shouldBeNull()
      wm().shouldNotBeNull()
      c.weakRefCount shouldBe 1
    }

    test("a method of more than six parameters is refused with the limit in the message") {
      shouldThrow<IllegalArgumentException> { weakMethod(Counter("c")::seven) }.message shouldContain "up to 6"
    }

    test("an unbound reference is refused") {
      shouldThrow<IllegalArgumentException> { weakMethod(Counter::increment) }.message shouldContain "bound"
    }
  }
})

/** Not inline: the counter must not live in the test's frame. */
private fun weakMethodToGarbage(callback: (WeakMethod<*>) -> Unit): WeakMethod<*> =
    weakMethod(Counter("gone")::increment, callback)

private fun plainRef(c: Counter): WeakRef<() -> Unit> = WeakRef(c::increment)
