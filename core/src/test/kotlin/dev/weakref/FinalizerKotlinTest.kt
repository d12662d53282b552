package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger

class FinalizerKotlinTest : FunSpec({

  context("finalize") {
    test("the block runs once after collectGarbage, with nobody holding the finalizer") {
      val runs = AtomicInteger()
      finalizeGarbage { runs.incrementAndGet() }
      collectGarbage()
      runs.get() shouldBe 1
    }

    test("f() runs the block at most once and returns its result, then null") {
      val o = Any()
      val f: Finalizer<String> = finalize(o) { "result" }
      f.alive shouldBe true
      f() shouldBe "result"
      f.alive shouldBe false
      f().shouldBeNull()
    }

    test("atExit is a var, true by default") {
      val f = finalize(Any()) { }
      f.atExit shouldBe true
      f.atExit = false
      f.atExit shouldBe false
      f.atExit() shouldBe false
      f.detach()
    }

    test("peek shows the very block passed in") {
      val o = Any()
      val block: () -> Int = { 42 }
      val f = finalize(o, block)
      val info = f.peek().shouldNotBeNull()
      info.func() shouldBeSameInstanceAs block
      info.obj() shouldBeSameInstanceAs o
      info.args() shouldContainExactly emptyList()
      f() shouldBe 42
    }

    test("a block capturing the object is refused, naming the field") {
      val o = Any()
      shouldThrow<IllegalArgumentException> { finalize(o) { println(o) } }.message shouldContain
          "holds the object to finalize in its field"
    }

    test("a block capturing only other values is accepted") {
      val log = CopyOnWriteArrayList<String>()
      val label = "closed"
      finalizeGarbage { log.add(label) }
      collectGarbage()
      log shouldContainExactly listOf("closed")
    }
  }
})

/** Registers [block] for an object that is garbage once this returns (not inline on purpose). */
private fun finalizeGarbage(block: () -> Unit) {
  finalize(Any(), block)
}
