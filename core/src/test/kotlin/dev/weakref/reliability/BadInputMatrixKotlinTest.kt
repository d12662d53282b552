package dev.weakref.reliability

import dev.weakref.Finalizer
import dev.weakref.WeakKeyDictionary
import dev.weakref.WeakSet
import dev.weakref.WeakValueDictionary
import dev.weakref.collectGarbage
import dev.weakref.engine.ReclaimStats
import dev.weakref.engine.Reclaimer
import dev.weakref.finalize
import dev.weakref.plus
import dev.weakref.plusAssign
import dev.weakref.weakKeyDictionaryOf
import dev.weakref.weakMethod
import dev.weakref.weakProxy
import dev.weakref.weakRef
import dev.weakref.weakRefCount
import dev.weakref.weakSetOf
import dev.weakref.weakValue
import dev.weakref.weakValueDictionaryOf
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.LocalDate
import java.util.Optional
import kotlin.reflect.KClass

/** A referent with an interface and a method. */
private class Widget : Runnable {
  override fun run() {}

  fun method() {}
}

/** A referent with no interface. */
private class Bare

/** One row: a facade given a bad input, the exception it must throw and what its message names. */
private class Row(
    val facade: String,
    val input: String,
    val type: KClass<out Throwable>,
    val mentions: List<String>,
    val call: () -> Any?,
)

/** What a refused call must leave as it was. */
private data class State(
    val refsToWidget: Int,
    val keyDict: Map<Any, Any>,
    val valueDict: Map<Any, Any>,
    val set: Set<Any>,
    val comparables: Set<Any>,
    val held: Any?,
    val stats: ReclaimStats,
)

private class Holder {
  var held: Any? by weakValue()
}

/**
 * The bad-input matrix of the Kotlin facades (issue 17, item 7): value-based objects, capturing
 * callbacks and finalizer blocks, objects that cannot be proxied, unbound references, through each
 * facade: each throws the documented exception naming the problem and changes nothing (refs
 * counted, containers' contents, the engine's stats, a `weakValue()` property's value). `null` needs
 * no row: the facades' types are non-null, so Kotlin refuses it at compile time.
 */
class BadInputMatrixKotlinTest : FunSpec({

  val widget = Widget()
  val other = Widget()
  val keyDict: WeakKeyDictionary<Any, Any> = weakKeyDictionaryOf(widget to "v")
  val valueDict: WeakValueDictionary<Any, Any> = weakValueDictionaryOf("k" to widget)
  val set: WeakSet<Any> = weakSetOf(widget)
  val name = String(charArrayOf('n')) // an element both Comparable and not value-based
  val comparables: WeakSet<Comparable<*>> = weakSetOf(name) // a typed set: no += ambiguity
  val holder = Holder().also { it.held = widget }

  fun state() = State(
      widget.weakRefCount, HashMap(keyDict), HashMap(valueDict), HashSet(set), HashSet(comparables), holder.held,
      Reclaimer.stats())

  fun valueBased(facade: String, input: String, type: String, call: () -> Any?) =
      Row(facade, input, IllegalArgumentException::class, listOf("value-based $type"), call)

  fun refused(facade: String, input: String, mentions: String, call: () -> Any?) =
      Row(facade, input, IllegalArgumentException::class, mentions.split("|"), call)

  val rows = listOf(
      valueBased("weakRef()", "Integer", "java.lang.Integer") { 1.weakRef() },
      valueBased("weakRef { }", "Optional", "java.util.Optional") { Optional.of(widget).weakRef { } },
      valueBased("weakRef { }", "LocalDate", "java.time.LocalDate") { LocalDate.of(2026, 1, 1).weakRef { } },
      refused("weakRef { }", "a callback that captured the referent", "holds the referent") {
        widget.weakRef { println(widget) }
      },
      valueBased("weakProxy<I>()", "Integer", "java.lang.Integer") { 1.weakProxy<Comparable<Int>>() },
      refused("weakProxy<I>()", "an object with no interface", "java.lang.Runnable") {
        Bare().weakProxy<Runnable>()
      },
      refused("weakProxy<I>()", "an interface it does not implement", "java.lang.Comparable") {
        widget.weakProxy<Comparable<Any>>()
      },
      refused("weakProxy<I> { }", "a callback that captured the referent", "holds the referent") {
        widget.weakProxy<Runnable> { println(widget) }
      },
      valueBased("weakMethod(c::m)", "a method of an Integer", "java.lang.Integer") { weakMethod(1::inc) },
      refused("weakMethod(c::m) { }", "a callback that captured the receiver", "callback") {
        weakMethod(widget::method) { println(widget) }
      },
      refused("weakMethod(c::m)", "an unbound reference", "bound") { weakMethod(Widget::method) },
      valueBased("finalize(obj) { }", "Integer", "java.lang.Integer") { finalize(1) { } },
      refused("finalize(obj) { }", "a block that captured the object", "finalizer function") {
        finalize(widget) { println(widget) }
      },
      valueBased("weakValue()", "set to an Integer", "java.lang.Integer") { holder.held = 1 },
      valueBased("weakValue(initial)", "an Integer", "java.lang.Integer") { weakValue<Any>(1) },
      valueBased("weakKeyDictionaryOf", "an Integer key", "java.lang.Integer") { weakKeyDictionaryOf(1 to "a") },
      valueBased("WeakKeyDictionary +=", "an Integer key after a good one", "java.lang.Integer") {
        keyDict += mapOf(other to "o", 1 to "a")
      },
      valueBased("WeakKeyDictionary +", "an Integer key", "java.lang.Integer") { keyDict + (1 to "a") },
      valueBased("weakValueDictionaryOf", "an Integer value", "java.lang.Integer") {
        weakValueDictionaryOf("a" to 1)
      },
      valueBased("WeakValueDictionary +=", "a LocalDate value after a good one", "java.time.LocalDate") {
        valueDict += mapOf("o" to other, "d" to LocalDate.of(2026, 1, 1))
      },
      valueBased("weakSetOf", "an Integer", "java.lang.Integer") { weakSetOf(widget, 1) },
      valueBased("WeakSet +=", "a LocalDate after a good one", "java.time.LocalDate") {
        comparables += listOf<Comparable<*>>(String(charArrayOf('o')), LocalDate.of(2026, 1, 1))
      },
      valueBased("WeakSet +", "an Integer", "java.lang.Integer") { comparables + listOf<Comparable<*>>(1) },
  )

  beforeSpec { collectGarbage() } // nothing earlier tests dropped is still to be processed

  for (row in rows) {
    test("${row.facade} given ${row.input}") {
      val before = state()
      val thrown = shouldThrow<Throwable> { row.call() }
      thrown::class shouldBe row.type
      for (m in row.mentions) thrown.message.orEmpty() shouldContain m
      state() shouldBe before
    }
  }

  test("a finalizer's Kotlin properties on a dead finalizer do nothing") {
    val f: Finalizer<Int> = finalize(widget) { 1 }
    f.call() shouldBe 1
    f.call() shouldBe null
    f.detach() shouldBe null
  }
})
