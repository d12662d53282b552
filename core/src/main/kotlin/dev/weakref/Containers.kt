@file:JvmName("-Containers") // A leading '-' hides this class from Java: Java callers never link to Kotlin code.

package dev.weakref

/*
 * Operators on the weak containers. Each is declared on the concrete type, so it wins over the
 * stdlib's `Map.plus` / `Set.plus` / `minus` (more specific receiver): a user never gets a strong
 * `Map` or `Set` copy by accident.
 *
 * Note on `+=`: on a `var` holding a container, Kotlin cannot choose between `plus` + assignment and
 * `plusAssign` (as with the stdlib's mutable collections); keep containers in `val`s.
 */

/* ---- WeakKeyDictionary ---- */

/**
 * Returns a new [WeakKeyDictionary] with the given mappings; keys compare by `equals`.
 *
 * Python: `WeakKeyDictionary({a: 1})`.
 *
 * ```kotlin
 * val notes = weakKeyDictionaryOf(window to "main", dialog to "modal")
 * ```
 *
 * @throws IllegalArgumentException if a key is a boxed primitive or another JDK value-based object
 */
public fun <K : Any, V : Any> weakKeyDictionaryOf(vararg pairs: Pair<K, V>): WeakKeyDictionary<K, V> =
    WeakKeyDictionary<K, V>().apply { for ((k, v) in pairs) put(k, v) }

/**
 * Returns a new dictionary of the same kind with this one's mappings updated by [other]'s. Same as
 * [WeakKeyDictionary.union].
 *
 * Python: `d | other`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.plus(
    other: Map<out K, V>,
): WeakKeyDictionary<K, V> = union(other)

/**
 * Returns a new dictionary of the same kind with this one's mappings and [pair].
 *
 * Python: `d | {k: v}`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.plus(pair: Pair<K, V>): WeakKeyDictionary<K, V> =
    union(mapOf(pair))

/**
 * Returns a new dictionary of the same kind with this one's mappings and [pairs].
 *
 * Python: `d | dict(pairs)`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.plus(
    pairs: Iterable<Pair<K, V>>,
): WeakKeyDictionary<K, V> = union(pairs.toMap())

/**
 * Returns a new dictionary of the same kind without the mapping of [key].
 *
 * Python: `{k: v for k, v in d.items() if k != key}` as a `WeakKeyDictionary`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.minus(key: K): WeakKeyDictionary<K, V> =
    union(emptyMap()).also { it.remove(key) }

/**
 * Adds [other]'s mappings to this dictionary in place. Same as [WeakKeyDictionary.putAll].
 *
 * Python: `d |= other`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.plusAssign(other: Map<out K, V>) {
  putAll(other)
}

/**
 * Adds [pair] to this dictionary in place.
 *
 * Python: `d[k] = v`.
 */
public operator fun <K : Any, V : Any> WeakKeyDictionary<K, V>.plusAssign(pair: Pair<K, V>) {
  put(pair.first, pair.second)
}

/* ---- WeakValueDictionary ---- */

/**
 * Returns a new [WeakValueDictionary] with the given mappings.
 *
 * Python: `WeakValueDictionary({1: a})`.
 *
 * ```kotlin
 * val byId = weakValueDictionaryOf(1L to user)
 * ```
 *
 * @throws IllegalArgumentException if a value is a boxed primitive or another JDK value-based object
 */
public fun <K : Any, V : Any> weakValueDictionaryOf(vararg pairs: Pair<K, V>): WeakValueDictionary<K, V> =
    WeakValueDictionary<K, V>().apply { for ((k, v) in pairs) put(k, v) }

/**
 * Returns a new dictionary with this one's mappings updated by [other]'s. Same as
 * [WeakValueDictionary.union].
 *
 * Python: `d | other`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.plus(
    other: Map<out K, V>,
): WeakValueDictionary<K, V> = union(other)

/**
 * Returns a new dictionary with this one's mappings and [pair].
 *
 * Python: `d | {k: v}`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.plus(
    pair: Pair<K, V>,
): WeakValueDictionary<K, V> = union(mapOf(pair))

/**
 * Returns a new dictionary with this one's mappings and [pairs].
 *
 * Python: `d | dict(pairs)`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.plus(
    pairs: Iterable<Pair<K, V>>,
): WeakValueDictionary<K, V> = union(pairs.toMap())

/**
 * Returns a new dictionary without the mapping of [key].
 *
 * Python: `{k: v for k, v in d.items() if k != key}` as a `WeakValueDictionary`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.minus(key: K): WeakValueDictionary<K, V> =
    union(emptyMap()).also { it.remove(key) }

/**
 * Adds [other]'s mappings to this dictionary in place. Same as [WeakValueDictionary.putAll].
 *
 * Python: `d |= other`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.plusAssign(other: Map<out K, V>) {
  putAll(other)
}

/**
 * Adds [pair] to this dictionary in place.
 *
 * Python: `d[k] = v`.
 */
public operator fun <K : Any, V : Any> WeakValueDictionary<K, V>.plusAssign(pair: Pair<K, V>) {
  put(pair.first, pair.second)
}

/* ---- WeakSet ---- */

/**
 * Returns a new [WeakSet] with the given elements; they compare by `equals`.
 *
 * Python: `WeakSet([a, b])`.
 *
 * @throws IllegalArgumentException if an element is a boxed primitive or another JDK value-based object
 */
public fun <E : Any> weakSetOf(vararg elements: E): WeakSet<E> =
    WeakSet<E>().apply { for (e in elements) add(e) }

/**
 * Returns a new set of the same kind with this set's elements and [other]'s. Same as [WeakSet.union].
 *
 * Python: `s | other`.
 */
public operator fun <E : Any> WeakSet<E>.plus(other: Iterable<E>): WeakSet<E> =
    union(other as? Collection<E> ?: other.toList())

/**
 * Returns a new set of the same kind with this set's elements and [element].
 *
 * Python: `s | {element}`.
 */
public operator fun <E : Any> WeakSet<E>.plus(element: E): WeakSet<E> = union(listOf(element))

/**
 * Returns a new set of the same kind with this set's elements and [other]'s; the same as `+`.
 *
 * Python: `s | other`.
 */
public infix fun <E : Any> WeakSet<E>.or(other: Iterable<E>): WeakSet<E> = plus(other)

/**
 * Returns a new set of the same kind with this set's elements and [other]'s; the same as `+`, and
 * shadows the stdlib's `Iterable.union`, which would return a strong set.
 *
 * Python: `s.union(other)`.
 */
public infix fun <E : Any> WeakSet<E>.union(other: Iterable<E>): WeakSet<E> = plus(other)

/**
 * Returns a new set of the same kind with this set's elements that are not in [other]. Same as
 * [WeakSet.difference].
 *
 * Python: `s - other`.
 */
public operator fun <E : Any> WeakSet<E>.minus(other: Iterable<E>): WeakSet<E> =
    difference(other as? Collection<E> ?: other.toList())

/**
 * Returns a new set of the same kind with this set's elements except [element].
 *
 * Python: `s - {element}`.
 */
public operator fun <E : Any> WeakSet<E>.minus(element: E): WeakSet<E> = difference(listOf(element))

/**
 * Adds [other]'s elements to this set in place. Same as [WeakSet.addAll].
 *
 * Python: `s |= other`.
 */
public operator fun <E : Any> WeakSet<E>.plusAssign(other: Iterable<E>) {
  addAll(other as? Collection<E> ?: other.toList()) // checks every element before adding one
}

/**
 * Adds [element] to this set in place.
 *
 * Python: `s.add(element)`.
 */
public operator fun <E : Any> WeakSet<E>.plusAssign(element: E) {
  add(element)
}

/**
 * Removes [other]'s elements from this set in place.
 *
 * Python: `s -= other`.
 */
public operator fun <E : Any> WeakSet<E>.minusAssign(other: Iterable<E>) {
  for (e in other) remove(e)
}

/**
 * Removes [element] from this set in place.
 *
 * Python: `s.discard(element)`.
 */
public operator fun <E : Any> WeakSet<E>.minusAssign(element: E) {
  remove(element)
}
