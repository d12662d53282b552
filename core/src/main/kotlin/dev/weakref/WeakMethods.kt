@file:JvmName("-WeakMethods") // A leading '-' hides this class from Java: Java callers use WeakMethod.of.

package dev.weakref

import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.invoke.MethodType
import java.util.concurrent.ConcurrentHashMap
import java.util.function.Consumer
import java.util.function.Function
import kotlin.jvm.internal.CallableReference
import kotlin.jvm.internal.ClassBasedDeclarationContainer
import kotlin.jvm.internal.FunctionReferenceImpl
import kotlin.reflect.KClass
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
  val binder = MethodBinder.of(reference)
  @Suppress("UNCHECKED_CAST")
  return WeakMethod.of(receiver, binder as Function<Any, F>, callback, checked)
}

/**
 * Rebinds one method to a receiver: the binder of the weak methods [weakMethod] makes, one object
 * per method (owner class and JVM signature), so that weak methods to one method compare equal.
 * Cached in a [ClassValue] on the owner, it pins nothing the owner does not.
 */
internal class MethodBinder private constructor(
    val owner: Class<*>,
    val name: String,
    val signature: String,
    private val topLevel: Boolean,
    private val method: Method,
) : Function<Any, Any> {
  /** Static methods are extension functions: the bound receiver is their first argument. */
  private val extension = Modifier.isStatic(method.modifiers)
  val arity: Int = method.parameterCount - if (extension) 1 else 0

  init {
    require(arity <= MAX_ARITY) {
      "weakMethod supports methods of up to $MAX_ARITY parameters; ${owner.name}.$name has $arity"
    }
  }

  override fun apply(receiver: Any): Any = ReboundMethod(this, receiver, topLevel)

  fun call(receiver: Any?, args: Array<out Any?>): Any? {
    try {
      return if (extension) method.invoke(null, receiver, *args) else method.invoke(receiver, *args)
    } catch (e: InvocationTargetException) {
      throw e.cause ?: e
    }
  }

  override fun toString(): String = "MethodBinder(${owner.name}.$signature)"

  companion object {
    /** The highest arity [ReboundMethod] implements. */
    const val MAX_ARITY: Int = 6

    private val CACHE = object : ClassValue<ConcurrentHashMap<String, MethodBinder>>() {
      override fun computeValue(type: Class<*>) = ConcurrentHashMap<String, MethodBinder>()
    }

    fun of(reference: CallableReference): MethodBinder {
      val container = reference.owner
      val owner = (container as? ClassBasedDeclarationContainer)?.jClass
          ?: throw IllegalArgumentException("weakMethod cannot find the class of ${reference.name}")
      val signature = reference.signature
      return CACHE.get(owner).computeIfAbsent(signature) {
        MethodBinder(owner, reference.name, signature, container !is KClass<*>, find(owner, signature))
      }
    }

    private fun find(owner: Class<*>, signature: String): Method {
      val paren = signature.indexOf('(')
      val jvmName = signature.substring(0, paren)
      val descriptor = signature.substring(paren)
      val seen = HashSet<Class<*>>()
      val todo = ArrayDeque<Class<*>>().apply { add(owner) }
      while (todo.isNotEmpty()) {
        val c = todo.removeFirst()
        if (!seen.add(c)) continue
        for (m in c.declaredMethods) {
          if (m.name == jvmName &&
              MethodType.methodType(m.returnType, m.parameterTypes).toMethodDescriptorString() == descriptor) {
            if (!Modifier.isPublic(m.modifiers) || !Modifier.isPublic(m.declaringClass.modifiers)) {
              require(m.trySetAccessible()) { "weakMethod cannot call $m: it is not accessible" }
            }
            return m
          }
        }
        c.superclass?.let { todo.add(it) }
        todo.addAll(c.interfaces)
      }
      throw IllegalArgumentException("weakMethod cannot find $signature in ${owner.name}")
    }
  }
}

/**
 * A bound reference made afresh by a [MethodBinder]: a genuine Kotlin function reference (name,
 * equality with others of its kind) that implements the function types of every arity and calls
 * the method reflectively.
 */
@Suppress("UNCHECKED_CAST")
internal class ReboundMethod(private val binder: MethodBinder, receiver: Any, topLevel: Boolean) :
    FunctionReferenceImpl(binder.arity, receiver, binder.owner, binder.name, binder.signature, if (topLevel) 1 else 0),
    Function0<Any?>, Function1<Any?, Any?>, Function2<Any?, Any?, Any?>,
    Function3<Any?, Any?, Any?, Any?>, Function4<Any?, Any?, Any?, Any?, Any?>,
    Function5<Any?, Any?, Any?, Any?, Any?, Any?>, Function6<Any?, Any?, Any?, Any?, Any?, Any?, Any?> {
  override fun invoke(): Any? = binder.call(boundReceiver, emptyArray())
  override fun invoke(p1: Any?): Any? = binder.call(boundReceiver, arrayOf(p1))
  override fun invoke(p1: Any?, p2: Any?): Any? = binder.call(boundReceiver, arrayOf(p1, p2))
  override fun invoke(p1: Any?, p2: Any?, p3: Any?): Any? = binder.call(boundReceiver, arrayOf(p1, p2, p3))
  override fun invoke(p1: Any?, p2: Any?, p3: Any?, p4: Any?): Any? =
      binder.call(boundReceiver, arrayOf(p1, p2, p3, p4))
  override fun invoke(p1: Any?, p2: Any?, p3: Any?, p4: Any?, p5: Any?): Any? =
      binder.call(boundReceiver, arrayOf(p1, p2, p3, p4, p5))
  override fun invoke(p1: Any?, p2: Any?, p3: Any?, p4: Any?, p5: Any?, p6: Any?): Any? =
      binder.call(boundReceiver, arrayOf(p1, p2, p3, p4, p5, p6))
}
