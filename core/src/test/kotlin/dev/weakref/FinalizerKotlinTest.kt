package dev.weakref

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
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

    // CPython's FinalizeTestCase.test_order, through finalize(obj) { }.
    test("the live finalizers of one object run newest first when it is reclaimed") {
      val res = CopyOnWriteArrayList<String>()
      val (f2, f3, f5) = registerFiveAndCallSome(res)
      collectGarbage() // f4, f2, f1
      f2.alive shouldBe false
      res.add("D")
      f2().shouldBeNull() // nothing: run at reclaim
      f3().shouldBeNull()
      f5().shouldBeNull()
      res shouldContainExactly listOf("A", "f3", "B", "C", "f4", "f2", "f1", "D")
    }

    test("many objects with finalizers of both facades: each object's run newest first") {
      repeat(20) { round ->
        val res = CopyOnWriteArrayList<String>()
        finalizeFromBothFacades(res)
        collectGarbage()
        withClue("round $round") { res shouldContainExactly listOf("kotlin 2", "java 1", "kotlin 0") }
      }
    }
  }
})

/**
 * The steps of CPython's test_order up to `del a`: five finalizers, the handles of f1 and f4
 * dropped, f5 detached, f3 called. Not inline, so that the object is garbage once this returns.
 */
private fun registerFiveAndCallSome(res: MutableList<String>): Triple<Finalizer<*>, Finalizer<*>, Finalizer<*>> {
  val a = Any()
  finalize(a) { res.add("f1") }
  val f2 = finalize(a) { res.add("f2") }
  val f3 = finalize(a) { res.add("f3") }
  finalize(a) { res.add("f4") }
  val f5 = finalize(a) { res.add("f5") }
  f2.alive shouldBe true
  f3.alive shouldBe true
  f5.alive shouldBe true
  f5.detach().shouldNotBeNull()
  f5.alive shouldBe false
  f5().shouldBeNull() // nothing: detached before
  res.add("A")
  f3() // f3
  f3.alive shouldBe false
  res.add("B")
  f3().shouldBeNull() // nothing: called before
  res.add("C")
  return Triple(f2, f3, f5)
}

/** Three finalizers on one object, through the Kotlin facade and Java's `Finalizer.of`. */
private fun finalizeFromBothFacades(res: MutableList<String>) {
  val a = Any()
  finalize(a) { res.add("kotlin 0") }
  Finalizer.of(a, Runnable { res.add("java 1") })
  finalize(a) { res.add("kotlin 2") }
}

/** Registers [block] for an object that is garbage once this returns (not inline on purpose). */
private fun finalizeGarbage(block: () -> Unit) {
  finalize(Any(), block)
}
