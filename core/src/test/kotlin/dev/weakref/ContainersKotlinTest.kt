package dev.weakref

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs

private class Thing(val name: String) {
  override fun toString(): String = "Thing($name)"
}

/** Adds a mapping whose key nobody else holds (not inline: the key must not stay in a frame). */
private fun addGarbage(d: WeakKeyDictionary<Thing, Int>) {
  d += Thing("doomed") to 1
}

class ContainersKotlinTest : FunSpec({
  context("WeakKeyDictionary") {
    test("weakKeyDictionaryOf and + return the concrete type, never the stdlib's strong Map") {
      val a = Thing("a")
      val b = Thing("b")
      val d = weakKeyDictionaryOf(a to 1)
      val u: WeakKeyDictionary<Thing, Int> = d + mapOf(b to 2)
      u.shouldBeInstanceOf<WeakKeyDictionary<Thing, Int>>()
      u shouldBe mapOf(a to 1, b to 2)
      d shouldBe mapOf(a to 1)
      val p: WeakKeyDictionary<Thing, Int> = d + (b to 3)
      p[b] shouldBe 3
      val l: WeakKeyDictionary<Thing, Int> = d + listOf(b to 4)
      l[b] shouldBe 4
      val m: WeakKeyDictionary<Thing, Int> = u - a
      m shouldBe mapOf(b to 2)
      (WeakKeyDictionary.identity<Thing, Int>() + mapOf(a to 1)).isIdentity shouldBe true
    }

    test("+= adds in place, and its entries still vanish after collect") {
      val a = Thing("a")
      val d = weakKeyDictionaryOf(a to 1)
      d += emptyMap()
      addGarbage(d)
      d.size shouldBe 2
      collectGarbage()
      d.size shouldBe 1
      d[a] shouldBe 1
    }
  }

  context("WeakValueDictionary") {
    test("weakValueDictionaryOf, + and += keep the concrete type") {
      val a = Thing("a")
      val b = Thing("b")
      val d = weakValueDictionaryOf("a" to a)
      val u: WeakValueDictionary<String, Thing> = d + mapOf("b" to b)
      u.shouldBeInstanceOf<WeakValueDictionary<String, Thing>>()
      u["b"] shouldBeSameInstanceAs b
      d.size shouldBe 1
      d += mapOf("b" to b)
      d += "c" to a
      d.size shouldBe 3
      (d - "c").size shouldBe 2
    }
  }

  context("WeakSet") {
    test("weakSetOf, +, or, union and - return WeakSets of the same kind") {
      val a = Thing("a")
      val b = Thing("b")
      val s = weakSetOf(a)
      val u: WeakSet<Thing> = s + listOf(b)
      u shouldBe setOf(a, b)
      val o: WeakSet<Thing> = s or listOf(b)
      o shouldBe setOf(a, b)
      val un: WeakSet<Thing> = s union listOf(b)
      un shouldBe setOf(a, b)
      val e: WeakSet<Thing> = s + b
      e shouldBe setOf(a, b)
      val diff: WeakSet<Thing> = u - listOf(a)
      diff shouldBe setOf(b)
      val minusOne: WeakSet<Thing> = u - b
      minusOne shouldBe setOf(a)
      (WeakSet.identity<Thing>() + listOf(a)).isIdentity shouldBe true
      s shouldBe setOf(a)
    }

    test("+= and -= change the set in place") {
      val a = Thing("a")
      val b = Thing("b")
      val s = weakSetOf(a)
      s += listOf(b)
      s += a
      s.size shouldBe 2
      s -= a
      s shouldBe setOf(b)
      s -= listOf(b)
      s.isEmpty() shouldBe true
    }
  }
})
