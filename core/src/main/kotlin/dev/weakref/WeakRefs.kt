@file:JvmName("-WeakRefs") // A leading '-' hides this class from Java: Java callers never link to Kotlin code.

package dev.weakref

import dev.weakref.engine.Reclaimer
import java.util.function.Consumer

/**
 * Returns the weak reference this object shares with every other callback-less caller, creating
 * it if there is none; the same object `Weakref.ref(obj)` returns.
 *
 * Python: `weakref.ref(obj)`.
 *
 * ```kotlin
 * val wr = image.weakRef()
 * check(wr() === image)
 * ```
 *
 * @throws IllegalArgumentException if this is a boxed primitive or another JDK value-based object
 */
public fun <T : Any> T.weakRef(): WeakRef<T> = WeakRef.of(this)

/**
 * Returns a new weak reference to this object that calls [callback] once, with the reference, after
 * the object is reclaimed (if the reference is still reachable then).
 *
 * Python: `weakref.ref(obj, callback)`.
 *
 * > The callback runs on the engine thread `weakref-reclaimer`, newest reference first; whatever it
 * > throws goes to the unraisable hook. It must not capture this object, or the object never dies:
 * > a callback that holds it in one of its fields is refused.
 *
 * @throws IllegalArgumentException if this is a boxed primitive or another JDK value-based object,
 *   or if [callback] captured this object (the message names the field)
 */
public fun <T : Any> T.weakRef(callback: (WeakRef<T>) -> Unit): WeakRef<T> =
    WeakRef.ofAdapted(this, KotlinCallback(callback), callback)

/**
 * Returns the referent of this [WeakRef], or `null` after it was reclaimed. Same as [WeakRef.get].
 *
 * Python: `r()`.
 */
public operator fun <T : Any> WeakRef<T>.invoke(): T? = get()

/**
 * The callback of this reference as given, or `null` when it had none or the referent is gone.
 * Same as [WeakRef.callback], unwrapping a Kotlin function passed to [weakRef].
 *
 * Python: `r.__callback__`.
 */
public val <T : Any> WeakRef<T>.callback: ((WeakRef<T>) -> Unit)?
  get() {
    val cb = callback() ?: return null
    @Suppress("UNCHECKED_CAST")
    return if (cb is KotlinCallback<*>) cb.function as (WeakRef<T>) -> Unit else { r -> cb.accept(r) }
  }

/**
 * How many weak references and proxies currently refer to this object.
 *
 * Python: `weakref.getweakrefcount(obj)`.
 */
public val Any.weakRefCount: Int
  get() = Reclaimer.weakRefCount(this)

/**
 * The weak references and proxies that currently refer to this object, newest first.
 *
 * Python: `weakref.getweakrefs(obj)`.
 */
public val Any.weakRefs: List<Any>
  get() = Reclaimer.weakRefs(this)

/**
 * Forces a garbage collection and returns once every callback it caused has run; for tests, which
 * call this instead of sleeping. Same as [Reclaimer.collect].
 *
 * Python: `gc.collect()`.
 *
 * @throws IllegalStateException if that did not happen within 30 seconds; the message says what is
 *   still pending
 */
public fun collectGarbage(): Unit = Reclaimer.collect()

/** A Kotlin function as the callback of a [WeakRef]; keeps the function so `callback` can return it. */
internal class KotlinCallback<T>(val function: (T) -> Unit) : Consumer<T> {
  override fun accept(t: T) = function(t)

  override fun toString(): String = function.toString()
}
