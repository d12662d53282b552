@file:JvmName("-WeakMethods") // A leading '-' hides this class from Java: Java callers use WeakMethod.of.

package dev.weakref

import dev.weakref.internal.MethodBinder
import dev.weakref.internal.Referents
import java.util.function.Consumer
import java.util.function.Function
import kotlin.jvm.internal.CallableReference
import kotlin.reflect.KFunction

/**
 * Returns a weak reference to the bound method [method] (`c::method`): it holds the receiver `c`
 * weakly and, on each [WeakMethod.get], binds the method to it afresh.
 *
 * Python: `weakref.WeakMethod(c.method)`. `get()` (or `wm()`) returns a function of the same type as
 * [method], or `null` once the receiver was reclaimed. Two weak methods made from the same live
 * receiver and the same method are equal, wherever the references were written.
 *
 * ```kotlin
 * val wm = weakMethod(counter::increment)
 * wm()?.invoke()          // calls counter.increment() while counter lives
 * ```
 *
 * The function [WeakMethod.get] returns is an ordinary bound reference (its `name` is the method's);
 * it calls the method reflectively, so no `kotlin-reflect` is needed, and it holds the receiver
 * strongly while you hold it.
 *
 * @throws IllegalArgumentException if [method] is not a bound reference to a function (an unbound
 *   `C::method`, a lambda), or its receiver is a JDK value-based object such as a boxed `Int`
 */
public fun <F : KFunction<*>> weakMethod(method: F): WeakMethod<F> = weakMethod(method, null)

/**
 * Returns a weak reference to the bound method [method] that calls [callback] once, with the weak
 * method, after the receiver is reclaimed (if the weak method is still reachable then).
 *
 * Python: `weakref.WeakMethod(c.method, callback)`.
 *
 * > The callback runs on the engine thread `weakref-reclaimer`; whatever it throws goes to the
 * > unraisable hook. It must not capture the receiver, or the receiver never dies: a callback that
 * > holds it in one of its fields is refused.
 *
 * @throws IllegalArgumentException if [method] is not a bound reference to a function, its
 *   receiver is a JDK value-based object, or [callback] captured the receiver
 */
public fun <F : KFunction<*>> weakMethod(method: F, callback: (WeakMethod<F>) -> Unit): WeakMethod<F> =
    weakMethod(method, Consumer<WeakMethod<F>> { callback(it) }, callback)

/** [checked] is the callback as the caller wrote it, which the capture check inspects. */
private fun <F : KFunction<*>> weakMethod(
    method: F,
    callback: Consumer<WeakMethod<F>>?,
    checked: Any? = callback,
): WeakMethod<F> {
  val reference = method as? CallableReference
      ?: throw IllegalArgumentException(
          "weakMethod needs a bound function reference such as c::method, not ${method.javaClass.name}")
  val receiver = reference.boundReceiver
  require(receiver !== CallableReference.NO_RECEIVER && receiver != null) {
    "weakMethod needs a bound reference (c::${reference.name}), not an unbound one (C::${reference.name})"
  }
  Referents.requireReferenceable(receiver) // before looking up the method: name the real problem
  val binder = MethodBinder.of(reference)
  @Suppress("UNCHECKED_CAST")
  return WeakMethod.of(receiver, binder as Function<Any, F>, callback, checked)
}
