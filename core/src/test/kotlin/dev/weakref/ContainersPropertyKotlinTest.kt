package dev.weakref

import io.kotest.core.spec.style.FunSpec
import io.kotest.property.Arb
import io.kotest.property.Shrinker
import io.kotest.property.arbitrary.arbitrary
import io.kotest.property.arbitrary.bind
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.checkAll
import java.util.Collections
import java.util.IdentityHashMap
import java.util.TreeMap

/*
 * Property-based tests of the three containers against a plain model, with shrinking: random
 * sequences of operations, drops of the test's only strong hold, and reclaim steps.
 *
 * The model of the weak side. The test holds every object it made strongly in `Holds`, by serial;
 * the model records only serials and ids, never the objects, so what the test drops is held by
 * nothing but the container. A dropped object may be reclaimed at any time after the drop (any
 * allocation may start a collection), so an entry whose weak side was dropped is "doomed": every
 * check accepts it present or absent, and once a check has seen it absent it is gone for good
 * (a cleared reference never comes back). Such an entry may still be counted by `size` until the
 * engine thread has unlinked it. After a reclaim step (`collectGarbage()`, which waits for the
 * unlinking) every doomed entry must be gone and everything else must be exact.
 *
 * Objects never sit in a local of the driving loop: each step makes, uses and forgets them in a
 * frame of its own (interpreted frames keep dead locals alive), and queries return serials.
 */

/** An object of the tests: equal to another of the same id, told apart from it by its serial. */
private class Obj(val id: Int, val serial: Int) {
  override fun equals(other: Any?): Boolean = other is Obj && other.id == id

  override fun hashCode(): Int = id

  override fun toString(): String = "Obj($id#$serial)"
}

/**
 * An object named by an operation: the [pick]-th object of id [id] that the test holds (in the
 * order made), or a new one of that id (equal to those, but another object) if it holds fewer.
 */
private data class Ref(val id: Int, val pick: Int) {
  override fun toString(): String = "$id/$pick"
}

/** One step of a sequence. Maps read `v` as a value, sets ignore it; see each container's run. */
private sealed interface Op

private data class Put(val k: Ref, val v: Ref) : Op

private data class PutIfAbsent(val k: Ref, val v: Ref) : Op

private data class Get(val k: Ref) : Op

private data class Remove(val k: Ref) : Op

private data class RemoveIfValue(val k: Ref, val v: Ref) : Op

private data class Replace(val k: Ref, val v: Ref) : Op

private data class ReplaceIfValue(val k: Ref, val old: Ref, val new: Ref) : Op

/** `compute` whose function inserts or changes (mode 0), removes (1) or keeps what is there (2). */
private data class Compute(val k: Ref, val v: Ref, val mode: Int) : Op

private data class ComputeIfAbsent(val k: Ref, val v: Ref) : Op

private data class ContainsValue(val v: Ref) : Op

/** Iterates the entries and removes, through the iterator, those whose key (element) has [id]. */
private data class IteratorRemove(val id: Int) : Op

/** Iterates the entries and sets, through `Map.Entry.setValue`, those whose key has [id]. */
private data class SetValue(val id: Int, val v: Ref) : Op

private object Iterate : Op {
  override fun toString(): String = "Iterate"
}

private object Size : Op {
  override fun toString(): String = "Size"
}

private object Clear : Op {
  override fun toString(): String = "Clear"
}

/** Drops the test's strong hold of one object of the key's id (the pick-th held, modulo). */
private data class Drop(val k: Ref) : Op

/** `collectGarbage()`: forces a collection and waits for every callback it caused. */
private object Reclaim : Op {
  override fun toString(): String = "Reclaim"
}

private const val IDS = 5
private const val PICKS = 3

/**
 * The operations, from seven small ints that shrink towards 0: the kind (0..99, weighted by
 * ranges, the likeliest first), then ids and picks.
 */
private fun arbOps(map: Boolean): Arb<List<Op>> {
  val id = Arb.int(0 until IDS)
  val pick = Arb.int(0 until PICKS)
  val op = Arb.bind(Arb.int(0..99), id, pick, id, pick, id, Arb.int(0..2)) { kind, a, b, c, d, e, f ->
    val k = Ref(a, b)
    val v = Ref(c, d)
    when {
      kind < 22 -> Put(k, v)
      kind < 36 -> Drop(k)
      kind < 40 -> Reclaim
      kind < 48 -> Get(k)
      kind < 54 -> Remove(k)
      kind < 58 -> Iterate
      kind < 61 -> IteratorRemove(a)
      kind < 64 -> Size
      kind < 66 -> Clear
      !map -> Put(k, v) // a set's add
      kind < 71 -> PutIfAbsent(k, v)
      kind < 75 -> Replace(k, v)
      kind < 80 -> ReplaceIfValue(k, v, Ref(e, f))
      kind < 84 -> RemoveIfValue(k, v)
      kind < 90 -> Compute(k, v, f)
      kind < 94 -> ComputeIfAbsent(k, v)
      kind < 97 -> ContainsValue(v)
      else -> SetValue(a, v)
    }
  }
  val ops = Arb.list(op, 0..40)
  return arbitrary(OpsShrinker) { rs -> ops.sample(rs).value }
}

/**
 * Shrinks a failing sequence to one from which no single step can be removed: halves first, then
 * each step left out in turn (kotest's own list shrinker only trims the ends, and stops early).
 */
private object OpsShrinker : Shrinker<List<Op>> {
  override fun shrink(value: List<Op>): List<List<Op>> {
    val out = ArrayList<List<Op>>()
    if (value.size > 1) {
      out.add(value.subList(0, value.size / 2))
      out.add(value.subList(value.size / 2, value.size))
    }
    for (i in value.indices) {
      out.add(value.filterIndexed { j, _ -> j != i })
    }
    return out
  }
}

/**
 * Sequences per property; `-Dweakref.propertyIterations=N` runs more. Reclaim steps (each two
 * forced collections) take nearly all the time: one in 25 steps, plus a last one for each sequence
 * that ends with doomed entries.
 */
private val ITERATIONS: Int = Integer.getInteger("weakref.propertyIterations", 80)

/** Whether [x] is null, asked of a value that Kotlin types as non-null (a container's contract). */
private fun isNull(x: Any?): Boolean = x == null

/** Fails with what the model expected. */
private fun expect(condition: Boolean, message: () -> String) {
  if (!condition) {
    throw AssertionError(message())
  }
}

/** The test's strong holds: an object made by a step stays reachable only through here. */
private class Holds {
  private val held = TreeMap<Int, Obj>()
  private var nextSerial = 0

  fun isHeld(serial: Int): Boolean = held.containsKey(serial)

  fun newSerial(): Int = nextSerial++

  /** The object [r] names; a new one is held from now on. */
  fun obtain(r: Ref): Obj {
    val same = held.values.filter { it.id == r.id }
    if (r.pick < same.size) {
      return same[r.pick]
    }
    val o = Obj(r.id, newSerial())
    held[o.serial] = o
    return o
  }

  /** Drops one held object of the id of [r], if any. */
  fun drop(r: Ref) {
    val same = held.values.filter { it.id == r.id }
    if (same.isNotEmpty()) {
      held.remove(same[r.pick % same.size].serial)
    }
  }
}

/** What a single-threaded run of a sequence checks against its model; see each container. */
private abstract class Run {
  val holds = Holds()

  /** Doomed entries seen gone since the last reclaim or clear: `size` may still count them. */
  var vanished = 0

  abstract fun step(op: Op)

  abstract fun check()

  /** Whether the model has an entry that is doomed or seen gone: only a reclaim settles it. */
  abstract fun unsettled(): Boolean

  /** Runs [ops], then a last [Reclaim] if the end is unsettled, checking after each step. */
  fun run(ops: List<Op>) {
    check()
    val all = if (ops.isNotEmpty()) ops + Reclaim else ops
    for ((i, op) in all.withIndex()) {
      if (i == ops.size && !unsettled()) {
        break
      }
      try {
        step(op)
        check()
      } catch (e: AssertionError) {
        val where = if (i < ops.size) "step $i ($op)" else "the last reclaim"
        throw AssertionError("$where of $ops: ${e.message}", e)
      }
    }
  }
}

/** A live or doomed mapping of the model of a weak-key dictionary: its key object and value. */
private class KeyEntry(val serial: Int, val id: Int, var value: Int)

/**
 * A [WeakKeyDictionary] of `Obj` to `Int` against its model, keyed by id (by serial for an
 * identity dictionary). Values are `v.id`.
 */
private class WeakKeyDictionaryRun(private val identity: Boolean) : Run() {
  val d: WeakKeyDictionary<Obj, Int> =
    if (identity) WeakKeyDictionary.identity() else WeakKeyDictionary()
  val model = HashMap<Int, KeyEntry>()

  fun mk(o: Obj): Int = if (identity) o.serial else o.id

  fun doomed(e: KeyEntry): Boolean = !holds.isHeld(e.serial)

  /** A doomed entry was seen absent: its key was cleared. */
  fun gone(mk: Int) {
    val e = model.remove(mk)
    expect(e != null && doomed(e)) { "a live entry is gone: $e" }
    vanished++
  }

  override fun step(op: Op) {
    when (op) {
      is Put -> put(op)
      is PutIfAbsent -> putIfAbsent(op)
      is Get -> get(op)
      is Remove -> remove(op)
      is RemoveIfValue -> removeIfValue(op)
      is Replace -> replace(op)
      is ReplaceIfValue -> replaceIfValue(op)
      is Compute -> compute(op)
      is ComputeIfAbsent -> computeIfAbsent(op)
      is ContainsValue -> containsValue(op)
      is IteratorRemove -> iteratorRemove(op)
      is SetValue -> setValue(op)
      Iterate -> iterate()
      Size -> size()
      Clear -> clear()
      is Drop -> holds.drop(op.k)
      Reclaim -> reclaim()
    }
  }

  fun put(op: Put) {
    val key = holds.obtain(op.k)
    val v = op.v.id
    val ret = d.put(key, v)
    val mk = mk(key)
    val e = model[mk]
    when {
      e == null -> expect(ret == null) { "put of a new key returned $ret" }
      !doomed(e) || ret != null -> {
        expect(ret == e.value) { "put returned $ret, not the previous value ${e.value}" }
        e.value = v // the key object already there stays
        return
      }
      else -> gone(mk)
    }
    model[mk] = KeyEntry(key.serial, key.id, v)
  }

  fun putIfAbsent(op: PutIfAbsent) {
    val key = holds.obtain(op.k)
    val v = op.v.id
    val ret = d.putIfAbsent(key, v)
    val mk = mk(key)
    val e = model[mk]
    when {
      e == null -> expect(ret == null) { "putIfAbsent of a new key returned $ret" }
      !doomed(e) || ret != null -> {
        expect(ret == e.value) { "putIfAbsent returned $ret, not the present value ${e.value}" }
        return
      }
      else -> gone(mk)
    }
    model[mk] = KeyEntry(key.serial, key.id, v)
  }

  fun get(op: Get) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val got = d[key]
    observe(mk, got != null, got, "get")
    observe(mk, d.containsKey(key), model[mk]?.value, "containsKey")
  }

  /** A query found [value] (if [present]) where the model has `model[mk]`. */
  fun observe(mk: Int, present: Boolean, value: Int?, what: String) {
    val e = model[mk]
    when {
      e == null -> expect(!present) { "$what found a key that is not there" }
      present -> expect(value == e.value) { "$what found $value, not ${e.value}" }
      doomed(e) -> gone(mk)
      else -> expect(false) { "$what did not find a live key" }
    }
  }

  fun remove(op: Remove) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val ret = d.remove(key)
    val e = model[mk]
    when {
      e == null -> expect(ret == null) { "remove of an absent key returned $ret" }
      ret == null -> gone(mk)
      else -> {
        expect(ret == e.value) { "remove returned $ret, not ${e.value}" }
        model.remove(mk)
      }
    }
  }

  fun removeIfValue(op: RemoveIfValue) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val v = op.v.id
    val ret = d.remove(key, v)
    val e = model[mk]
    when {
      e == null || e.value != v -> expect(!ret) { "remove(key, $v) removed a mapping to ${e?.value}" }
      ret -> model.remove(mk)
      else -> gone(mk)
    }
  }

  fun replace(op: Replace) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val v = op.v.id
    val ret = d.replace(key, v)
    val e = model[mk]
    when {
      e == null -> expect(ret == null) { "replace of an absent key returned $ret" }
      ret == null -> gone(mk)
      else -> {
        expect(ret == e.value) { "replace returned $ret, not ${e.value}" }
        e.value = v
      }
    }
  }

  fun replaceIfValue(op: ReplaceIfValue) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val old = op.old.id
    val new = op.new.id
    val ret = d.replace(key, old, new)
    val e = model[mk]
    when {
      e == null || e.value != old -> expect(!ret) { "replace(key, $old, $new) replaced ${e?.value}" }
      ret -> e.value = new
      else -> gone(mk)
    }
  }

  fun compute(op: Compute) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val mode = op.mode
    val v = op.v.id
    var calls = 0
    var seen: Int? = null
    val ret = d.compute(key) { _, old ->
      calls++
      seen = old
      remap(mode, old, v)
    }
    expect(calls > 0) { "compute did not call the function" }
    val new = remap(mode, seen, v)
    expect(ret == new) { "compute returned $ret, not $new" }
    val e = model[mk]
    if (e == null || seen == null) {
      expect(e == null || doomed(e)) { "compute saw no value, but ${e?.value} is there" }
      if (e != null) {
        gone(mk)
      }
      if (new != null) {
        model[mk] = KeyEntry(key.serial, key.id, new)
      }
    } else {
      expect(seen == e.value) { "compute saw $seen, not ${e.value}" }
      if (new == null) model.remove(mk) else e.value = new
    }
  }

  fun remap(mode: Int, old: Int?, v: Int): Int? =
    when (mode) {
      0 -> if (old == null) v else old + 1
      1 -> null
      else -> old
    }

  fun computeIfAbsent(op: ComputeIfAbsent) {
    val key = holds.obtain(op.k)
    val mk = mk(key)
    val v = op.v.id
    var called = false
    val ret = d.computeIfAbsent(key) {
      called = true
      v
    }
    val e = model[mk]
    if (called) {
      expect(e == null || doomed(e)) { "computeIfAbsent called the function, but ${e?.value} is there" }
      expect(ret == v) { "computeIfAbsent returned $ret, not the value computed" }
      if (e != null) {
        gone(mk)
      }
      model[mk] = KeyEntry(key.serial, key.id, v)
    } else {
      expect(e != null && ret == e.value) { "computeIfAbsent returned $ret, not ${e?.value}" }
    }
  }

  fun containsValue(op: ContainsValue) {
    val v = op.v.id
    val ret = d.containsValue(v)
    if (model.values.any { it.value == v && !doomed(it) }) {
      expect(ret) { "containsValue($v) missed a live mapping" }
    } else if (model.values.none { it.value == v }) {
      expect(!ret) { "containsValue($v) found a value that is not there" }
    }
  }

  /** Each entry yielded: key serial, key id and value, as ints (so nothing is held after). */
  fun entries(): List<IntArray> {
    val out = ArrayList<IntArray>()
    for ((k, v) in d.entries) {
      expect(!isNull(k) && !isNull(v)) { "iteration yielded null" }
      out.add(intArrayOf(k.serial, k.id, v))
    }
    for (k in d.keys) {
      expect(!isNull(k)) { "the key set yielded null" }
    }
    for (v in d.values) {
      expect(!isNull(v)) { "the values yielded null" }
    }
    return out
  }

  /** Checks what an iteration yielded against the model: no more than the live and doomed. */
  fun iterated(yielded: List<IntArray>) {
    val seen = HashSet<Int>()
    for ((serial, id, value) in yielded.map { Triple(it[0], it[1], it[2]) }) {
      val mk = if (identity) serial else id
      expect(seen.add(mk)) { "iteration yielded the key $id#$serial twice" }
      val e = model[mk]
      expect(e != null && e.serial == serial) { "iteration yielded $id#$serial, the model has $e" }
      expect(e!!.value == value) { "iteration yielded $id#$serial=$value, not ${e.value}" }
    }
    for (mk in model.keys.toList()) {
      if (mk !in seen) {
        gone(mk)
      }
    }
  }

  fun iterate() {
    iterated(entries())
  }

  fun iteratorRemove(op: IteratorRemove) {
    val removed = removeThroughIterator(op.id)
    for (e in model.values.filter { it.id == op.id }) {
      val mk = if (identity) e.serial else e.id
      if (e.serial in removed) model.remove(mk) else gone(mk)
    }
  }

  fun removeThroughIterator(id: Int): Set<Int> {
    val removed = HashSet<Int>()
    val it = d.entries.iterator()
    while (it.hasNext()) {
      val k = it.next().key
      if (k.id == id) {
        it.remove()
        removed.add(k.serial)
      }
    }
    return removed
  }

  fun setValue(op: SetValue) {
    val v = op.v.id
    val set = HashSet<Int>()
    for (entry in d.entries) {
      if (entry.key.id == op.id) {
        entry.setValue(v)
        set.add(entry.key.serial)
      }
    }
    for (e in model.values.filter { it.id == op.id }) {
      if (e.serial in set) e.value = v else gone(if (identity) e.serial else e.id)
    }
  }

  fun size() {
    val live = model.values.count { !doomed(it) }
    val size = d.size
    expect(size >= live && size <= model.size + vanished) {
      "size $size, with $live live, ${model.size - live} doomed and $vanished gone entries"
    }
  }

  fun clear() {
    d.clear()
    model.clear()
    vanished = 0
    expect(d.size == 0 && d.isEmpty()) { "size ${d.size} after clear" }
  }

  fun reclaim() {
    collectGarbage()
    model.values.removeIf { doomed(it) }
    vanished = 0
  }

  override fun unsettled(): Boolean = vanished != 0 || model.values.any { doomed(it) }

  override fun check() {
    size()
    iterated(entries())
    if (!unsettled()) {
      exact()
    }
  }

  /** Nothing doomed: size, emptiness, equals and hashCode are exact. */
  fun exact() {
    expect(d.size == model.size) { "size ${d.size}, the model has ${model.size}" }
    expect(d.isEmpty() == model.isEmpty()) { "isEmpty ${d.isEmpty()} with ${model.size} entries" }
    val hash = model.values.sumOf { it.id xor it.value }
    expect(d.hashCode() == hash) { "hashCode ${d.hashCode()}, not the sum of the entries' $hash" }
    val ids = model.values.map { it.id }
    val copy: MutableMap<Obj, Int> = if (ids.size == ids.toSet().size) HashMap() else IdentityHashMap()
    copy.putAll(d)
    expect(copy.size == model.size) { "a copy has ${copy.size} entries, not ${model.size}" }
    expect(d == copy && copy == d) { "not equal to a ${copy.javaClass.simpleName} copy of itself" }
  }
}

/** A live or doomed mapping of the model of a weak-value dictionary: key object, value object. */
private class ValueEntry(val keySerial: Int, var valueSerial: Int, var valueId: Int)

/**
 * A [WeakValueDictionary] of `Obj` to `Obj` against its model, keyed by key id. Each operation
 * uses a new key object of the id of `k` (keys are held strongly by the dictionary: the model
 * tracks which key object it keeps); values are the objects `v` names.
 */
private class WeakValueDictionaryRun : Run() {
  val d = WeakValueDictionary<Obj, Obj>()
  val model = HashMap<Int, ValueEntry>()

  fun newKey(r: Ref): Obj = Obj(r.id, holds.newSerial())

  fun doomed(e: ValueEntry): Boolean = !holds.isHeld(e.valueSerial)

  fun gone(mk: Int) {
    val e = model.remove(mk)
    expect(e != null && doomed(e)) { "a live entry is gone: $e" }
    vanished++
  }

  override fun step(op: Op) {
    when (op) {
      is Put -> put(op)
      is PutIfAbsent -> putIfAbsent(op)
      is Get -> get(op)
      is Remove -> remove(op)
      is RemoveIfValue -> removeIfValue(op)
      is Replace -> replace(op)
      is ReplaceIfValue -> replaceIfValue(op)
      is Compute -> compute(op)
      is ComputeIfAbsent -> computeIfAbsent(op)
      is ContainsValue -> containsValue(op)
      is IteratorRemove -> iteratorRemove(op)
      is SetValue -> setValue(op)
      Iterate -> iterated(entries())
      Size -> size()
      Clear -> clear()
      is Drop -> holds.drop(op.k)
      Reclaim -> reclaim()
    }
  }

  fun put(op: Put) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    val ret = d.put(key, value)?.serial
    val e = model[key.id]
    when {
      e == null -> expect(ret == null) { "put of a new key returned #$ret" }
      !doomed(e) || ret != null -> {
        expect(ret == e.valueSerial) { "put returned #$ret, not the previous value #${e.valueSerial}" }
        e.valueSerial = value.serial // the key object already there stays
        e.valueId = value.id
        return
      }
      else -> gone(key.id)
    }
    model[key.id] = ValueEntry(key.serial, value.serial, value.id)
  }

  fun putIfAbsent(op: PutIfAbsent) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    val ret = d.putIfAbsent(key, value)?.serial
    val e = model[key.id]
    when {
      e == null -> expect(ret == null) { "putIfAbsent of a new key returned #$ret" }
      !doomed(e) || ret != null -> {
        expect(ret == e.valueSerial) { "putIfAbsent returned #$ret, not #${e.valueSerial}" }
        return
      }
      else -> gone(key.id)
    }
    model[key.id] = ValueEntry(key.serial, value.serial, value.id)
  }

  fun get(op: Get) {
    val key = newKey(op.k)
    observe(key.id, d[key]?.serial, "get")
    val present = d.containsKey(key)
    observe(key.id, if (present) model[key.id]?.valueSerial ?: -1 else null, "containsKey")
  }

  /** A query found the value [serial] (null: nothing) where the model has `model[mk]`. */
  fun observe(mk: Int, serial: Int?, what: String) {
    val e = model[mk]
    when {
      e == null -> expect(serial == null) { "$what found #$serial for a key that is not there" }
      serial != null -> expect(serial == e.valueSerial) { "$what found #$serial, not #${e.valueSerial}" }
      doomed(e) -> gone(mk)
      else -> expect(false) { "$what did not find a live value" }
    }
  }

  fun remove(op: Remove) {
    val key = newKey(op.k)
    val ret = d.remove(key)?.serial
    val e = model[key.id]
    when {
      e == null -> expect(ret == null) { "remove of an absent key returned #$ret" }
      ret == null -> gone(key.id)
      else -> {
        expect(ret == e.valueSerial) { "remove returned #$ret, not #${e.valueSerial}" }
        model.remove(key.id)
      }
    }
  }

  fun removeIfValue(op: RemoveIfValue) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    val ret = d.remove(key, value)
    val e = model[key.id]
    when {
      e == null || e.valueId != value.id ->
        expect(!ret) { "remove(key, $value) removed a mapping to ${e?.valueId}" }
      ret -> model.remove(key.id)
      else -> gone(key.id)
    }
  }

  fun replace(op: Replace) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    val ret = d.replace(key, value)?.serial
    val e = model[key.id]
    when {
      e == null -> expect(ret == null) { "replace of an absent key returned #$ret" }
      ret == null -> gone(key.id)
      else -> {
        expect(ret == e.valueSerial) { "replace returned #$ret, not #${e.valueSerial}" }
        e.valueSerial = value.serial
        e.valueId = value.id
      }
    }
  }

  fun replaceIfValue(op: ReplaceIfValue) {
    val key = newKey(op.k)
    val old = holds.obtain(op.old)
    val new = holds.obtain(op.new)
    val ret = d.replace(key, old, new)
    val e = model[key.id]
    when {
      e == null || e.valueId != old.id -> expect(!ret) { "replace(key, $old, $new) replaced ${e?.valueId}" }
      ret -> {
        e.valueSerial = new.serial
        e.valueId = new.id
      }
      else -> gone(key.id)
    }
  }

  fun compute(op: Compute) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    val mode = op.mode
    var calls = 0
    var seen: Int? = null
    var seenId = -1
    val ret = d.compute(key) { _, old ->
      calls++
      seen = old?.serial
      seenId = old?.id ?: -1
      when (mode) {
        0 -> value
        1 -> null
        else -> old
      }
    }?.serial
    expect(calls > 0) { "compute did not call the function" }
    val newSerial = when (mode) {
      0 -> value.serial
      1 -> null
      else -> seen
    }
    expect(ret == newSerial) { "compute returned #$ret, not #$newSerial" }
    val e = model[key.id]
    if (e == null || seen == null) {
      expect(e == null || doomed(e)) { "compute saw no value, but #${e?.valueSerial} is there" }
      if (e != null) {
        gone(key.id)
      }
      if (newSerial != null) {
        model[key.id] = ValueEntry(key.serial, value.serial, value.id)
      }
    } else {
      expect(seen == e.valueSerial) { "compute saw #$seen, not #${e.valueSerial}" }
      when (newSerial) {
        null -> model.remove(key.id)
        value.serial -> {
          e.valueSerial = value.serial
          e.valueId = value.id
        }
        else -> expect(seenId == e.valueId) { "compute kept a value of another id" }
      }
    }
  }

  fun computeIfAbsent(op: ComputeIfAbsent) {
    val key = newKey(op.k)
    val value = holds.obtain(op.v)
    var called = false
    val ret = d.computeIfAbsent(key) {
      called = true
      value
    }.serial
    val e = model[key.id]
    if (called) {
      expect(e == null || doomed(e)) { "computeIfAbsent called the function, but #${e?.valueSerial} is there" }
      expect(ret == value.serial) { "computeIfAbsent returned #$ret, not the value computed" }
      if (e != null) {
        gone(key.id)
      }
      model[key.id] = ValueEntry(key.serial, value.serial, value.id)
    } else {
      expect(e != null && ret == e.valueSerial) { "computeIfAbsent returned #$ret, not #${e?.valueSerial}" }
    }
  }

  fun containsValue(op: ContainsValue) {
    val value = holds.obtain(op.v)
    val ret = d.containsValue(value)
    if (model.values.any { it.valueId == value.id && !doomed(it) }) {
      expect(ret) { "containsValue($value) missed a live mapping" }
    } else if (model.values.none { it.valueId == value.id }) {
      expect(!ret) { "containsValue($value) found a value that is not there" }
    }
  }

  /** Each entry yielded: key serial, key id, value serial, value id. */
  fun entries(): List<IntArray> {
    val out = ArrayList<IntArray>()
    for ((k, v) in d.entries) {
      expect(!isNull(k) && !isNull(v)) { "iteration yielded null" }
      out.add(intArrayOf(k.serial, k.id, v.serial, v.id))
    }
    for (k in d.keys) {
      expect(!isNull(k)) { "the key set yielded null" }
    }
    for (v in d.values) {
      expect(!isNull(v)) { "the values yielded null" }
    }
    return out
  }

  fun iterated(yielded: List<IntArray>) {
    val seen = HashSet<Int>()
    for (y in yielded) {
      val (keySerial, keyId, valueSerial) = y
      expect(seen.add(keyId)) { "iteration yielded key id $keyId twice" }
      val e = model[keyId]
      expect(e != null && e.keySerial == keySerial) {
        "iteration yielded the key $keyId#$keySerial, the model has #${e?.keySerial}"
      }
      expect(e!!.valueSerial == valueSerial) {
        "iteration yielded $keyId=#$valueSerial, not #${e.valueSerial}"
      }
    }
    for (mk in model.keys.toList()) {
      if (mk !in seen) {
        gone(mk)
      }
    }
  }

  fun iteratorRemove(op: IteratorRemove) {
    var removed = false
    val it = d.entries.iterator()
    while (it.hasNext()) {
      if (it.next().key.id == op.id) {
        it.remove()
        removed = true
      }
    }
    if (model.containsKey(op.id)) {
      if (removed) model.remove(op.id) else gone(op.id)
    }
  }

  fun setValue(op: SetValue) {
    val value = holds.obtain(op.v)
    var set = false
    for (entry in d.entries) {
      if (entry.key.id == op.id) {
        entry.setValue(value)
        set = true
      }
    }
    val e = model[op.id]
    if (e != null) {
      if (set) {
        e.valueSerial = value.serial
        e.valueId = value.id
      } else {
        gone(op.id)
      }
    }
  }

  fun size() {
    val live = model.values.count { !doomed(it) }
    val size = d.size
    expect(size >= live && size <= model.size + vanished) {
      "size $size, with $live live, ${model.size - live} doomed and $vanished gone entries"
    }
  }

  fun clear() {
    d.clear()
    model.clear()
    vanished = 0
    expect(d.size == 0 && d.isEmpty()) { "size ${d.size} after clear" }
  }

  fun reclaim() {
    collectGarbage()
    model.values.removeIf { doomed(it) }
    vanished = 0
  }

  override fun unsettled(): Boolean = vanished != 0 || model.values.any { doomed(it) }

  override fun check() {
    size()
    iterated(entries())
    if (!unsettled()) {
      exact()
    }
  }

  fun exact() {
    expect(d.size == model.size) { "size ${d.size}, the model has ${model.size}" }
    expect(d.isEmpty() == model.isEmpty()) { "isEmpty ${d.isEmpty()} with ${model.size} entries" }
    val hash = model.entries.sumOf { (keyId, e) -> keyId xor e.valueId }
    expect(d.hashCode() == hash) { "hashCode ${d.hashCode()}, not the sum of the entries' $hash" }
    val copy = HashMap(d)
    expect(copy.size == model.size) { "a copy has ${copy.size} entries, not ${model.size}" }
    expect(d == copy && copy == d) { "not equal to a HashMap copy of itself" }
  }
}

/** A live or doomed element of the model of a weak set. */
private class Element(val serial: Int, val id: Int)

/** A [WeakSet] of `Obj` against its model, keyed by id (by serial for an identity set). */
private class WeakSetRun(private val identity: Boolean) : Run() {
  val s: WeakSet<Obj> = if (identity) WeakSet.identity() else WeakSet()
  val model = HashMap<Int, Element>()

  fun mk(o: Obj): Int = if (identity) o.serial else o.id

  fun doomed(e: Element): Boolean = !holds.isHeld(e.serial)

  fun gone(mk: Int) {
    val e = model.remove(mk)
    expect(e != null && doomed(e)) { "a live element is gone: $e" }
    vanished++
  }

  override fun step(op: Op) {
    when (op) {
      is Put -> add(op)
      is Get -> contains(op)
      is Remove -> remove(op)
      is IteratorRemove -> iteratorRemove(op)
      Iterate -> iterated(elements())
      Size -> size()
      Clear -> clear()
      is Drop -> holds.drop(op.k)
      Reclaim -> reclaim()
      else -> throw IllegalArgumentException("not a set operation: $op")
    }
  }

  fun add(op: Put) {
    val e = holds.obtain(op.k)
    val mk = mk(e)
    val ret = s.add(e)
    val m = model[mk]
    when {
      m == null -> expect(ret) { "add of a new element returned false" }
      !ret -> return // the element object already there stays
      !doomed(m) -> expect(false) { "add of a present element returned true" }
      else -> gone(mk)
    }
    model[mk] = Element(e.serial, e.id)
  }

  fun contains(op: Get) {
    val e = holds.obtain(op.k)
    val mk = mk(e)
    val ret = s.contains(e)
    val m = model[mk]
    when {
      m == null -> expect(!ret) { "contains found an absent element" }
      ret -> {}
      doomed(m) -> gone(mk)
      else -> expect(false) { "contains did not find a live element" }
    }
  }

  fun remove(op: Remove) {
    val e = holds.obtain(op.k)
    val mk = mk(e)
    val ret = s.remove(e)
    val m = model[mk]
    when {
      m == null -> expect(!ret) { "remove of an absent element returned true" }
      ret -> model.remove(mk)
      doomed(m) -> gone(mk)
      else -> expect(false) { "remove did not find a live element" }
    }
  }

  /** Each element yielded: serial and id. */
  fun elements(): List<IntArray> {
    val out = ArrayList<IntArray>()
    for (e in s) {
      expect(!isNull(e)) { "iteration yielded null" }
      out.add(intArrayOf(e.serial, e.id))
    }
    return out
  }

  fun iterated(yielded: List<IntArray>) {
    val seen = HashSet<Int>()
    for ((serial, id) in yielded) {
      val mk = if (identity) serial else id
      expect(seen.add(mk)) { "iteration yielded $id#$serial twice" }
      val m = model[mk]
      expect(m != null && m.serial == serial) { "iteration yielded $id#$serial, the model has #${m?.serial}" }
    }
    for (mk in model.keys.toList()) {
      if (mk !in seen) {
        gone(mk)
      }
    }
  }

  fun iteratorRemove(op: IteratorRemove) {
    val removed = HashSet<Int>()
    val it = s.iterator()
    while (it.hasNext()) {
      val e = it.next()
      if (e.id == op.id) {
        it.remove()
        removed.add(e.serial)
      }
    }
    for (m in model.values.filter { it.id == op.id }) {
      val mk = if (identity) m.serial else m.id
      if (m.serial in removed) model.remove(mk) else gone(mk)
    }
  }

  fun size() {
    val live = model.values.count { !doomed(it) }
    val size = s.size
    expect(size >= live && size <= model.size + vanished) {
      "size $size, with $live live, ${model.size - live} doomed and $vanished gone elements"
    }
  }

  fun clear() {
    s.clear()
    model.clear()
    vanished = 0
    expect(s.size == 0 && s.isEmpty()) { "size ${s.size} after clear" }
  }

  fun reclaim() {
    collectGarbage()
    model.values.removeIf { doomed(it) }
    vanished = 0
  }

  override fun unsettled(): Boolean = vanished != 0 || model.values.any { doomed(it) }

  override fun check() {
    size()
    iterated(elements())
    if (!unsettled()) {
      exact()
    }
  }

  fun exact() {
    expect(s.size == model.size) { "size ${s.size}, the model has ${model.size}" }
    expect(s.isEmpty() == model.isEmpty()) { "isEmpty ${s.isEmpty()} with ${model.size} elements" }
    val hash = model.values.sumOf { it.id }
    expect(s.hashCode() == hash) { "hashCode ${s.hashCode()}, not the sum of the elements' $hash" }
    val ids = model.values.map { it.id }
    val copy: MutableSet<Obj> =
      if (ids.size == ids.toSet().size) HashSet() else Collections.newSetFromMap(IdentityHashMap())
    copy.addAll(s)
    expect(copy.size == model.size) { "a copy has ${copy.size} elements, not ${model.size}" }
    expect(s == copy && copy == s) { "not equal to a copy of itself" }
  }
}

/** Runs [ops] on a new [run] (not inline: nothing of the run stays in the caller's frame). */
private fun runOnce(run: Run, ops: List<Op>) {
  run.run(ops)
}

class ContainersPropertyKotlinTest : FunSpec({
  test("WeakKeyDictionary agrees with a model of held, dropped and reclaimed keys") {
    checkAll(ITERATIONS, arbOps(map = true)) { ops -> runOnce(WeakKeyDictionaryRun(identity = false), ops) }
  }

  test("WeakKeyDictionary.identity() agrees with a model of held, dropped and reclaimed keys") {
    checkAll(ITERATIONS, arbOps(map = true)) { ops -> runOnce(WeakKeyDictionaryRun(identity = true), ops) }
  }

  test("WeakValueDictionary agrees with a model of held, dropped and reclaimed values") {
    checkAll(ITERATIONS, arbOps(map = true)) { ops -> runOnce(WeakValueDictionaryRun(), ops) }
  }

  test("WeakSet agrees with a model of held, dropped and reclaimed elements") {
    checkAll(ITERATIONS, arbOps(map = false)) { ops -> runOnce(WeakSetRun(identity = false), ops) }
  }

  test("WeakSet.identity() agrees with a model of held, dropped and reclaimed elements") {
    checkAll(ITERATIONS, arbOps(map = false)) { ops -> runOnce(WeakSetRun(identity = true), ops) }
  }
})
