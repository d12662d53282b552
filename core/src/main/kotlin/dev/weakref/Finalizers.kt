@file:JvmName("-Finalizers") // A leading '-' hides this class from Java: Java callers never link to Kotlin code.

package dev.weakref

import java.util.concurrent.Callable

/**
 * Returns a new alive [Finalizer] that runs [block] once: after [obj] is reclaimed, at JVM exit, or
 * when invoked (`f()`), whichever comes first. Same as [Finalizer.of].
 *
 * Python: `weakref.finalize(obj, func)`.
 *
 * ```kotlin
 * val path = dir.path                      // capture the path, not dir
 * val f = finalize(dir) { deleteTree(path) }
 * f()                                      // runs it now; later calls return null
 * ```
 *
 * > The finalizer stays alive without anyone holding it. After reclamation [block] runs on the
 * > engine thread `weakref-reclaimer` and whatever it throws goes to the unraisable hook; invoked
 * > directly, it runs on the caller's thread and its exceptions propagate. [block] must not capture
 * > [obj]: this function refuses a block that did, naming the captured field. Call it from a
 * > non-inline function if [obj] must die soon after: an inline caller keeps its locals alive.
 *
 * @throws IllegalArgumentException if [obj] is a boxed primitive or another JDK value-based object,
 *   or if [block] captured [obj]
 */
public fun <R> finalize(obj: Any, block: () -> R): Finalizer<R> =
    FinalizerRef.ofAdapted(obj, block, KotlinFinalizerFunction(block))

/**
 * Runs the finalizer's function now if it is alive and returns its result, or `null` if it is dead.
 * Same as [Finalizer.call].
 *
 * Python: `f()`.
 */
public operator fun <R> Finalizer<R>.invoke(): R? = call()

/**
 * Whether this finalizer has not yet run or been detached. Same as [Finalizer.isAlive].
 *
 * Python: `f.alive`.
 */
public val Finalizer<*>.alive: Boolean
  get() = isAlive

/**
 * Whether this finalizer runs at JVM exit if it is still alive then (`true` by default). Same as
 * [Finalizer.atExit] and [Finalizer.setAtExit].
 *
 * Python: `f.atexit`.
 */
public var Finalizer<*>.atExit: Boolean
  get() = atExit()
  set(value) = setAtExit(value)

/** A Kotlin function as a finalizer's callable; the finalizer shows and checks the function itself. */
internal class KotlinFinalizerFunction<R>(private val function: () -> R) : Callable<R> {
  override fun call(): R = function()

  override fun toString(): String = function.toString()
}
