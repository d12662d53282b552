@file:JvmName("-Proxies") // A leading '-' hides this class from Java: Java callers use WeakProxy.of.

package dev.weakref

/**
 * Returns the weak proxy to this object implementing [I]: the one callback-less proxy it shares
 * with every other caller for that interface, the same one `WeakProxy.of(obj, I::class.java)`
 * returns.
 *
 * Python: `weakref.proxy(obj)`. Calls pass through while this object lives and throw
 * [ReferenceError] after; `hashCode()` always throws; see [WeakProxy] for `equals` and `toString`.
 * Kotlin function types (`() -> Unit` is `Function0`) and `fun interface`s make a
 * [CallableWeakProxy], like `@FunctionalInterface` Java interfaces.
 *
 * ```kotlin
 * val listener: Listener = screen.weakProxy()
 * bus.subscribe(listener) // the bus no longer keeps the screen alive
 * ```
 *
 * > **Warning:** this function is `inline` (for the reified [I]): while the calling function runs,
 * > its frame holds this object strongly. A test that expects the object to die must create the
 * > proxy in a separate, non-inline function.
 *
 * @throws IllegalArgumentException if this object does not implement [I], [I] is not an interface,
 *   this is a weak proxy already, or a JDK value-based object such as a boxed `Int`
 */
public inline fun <reified I : Any> Any.weakProxy(): I = WeakProxy.of(this, I::class.java)

/**
 * Returns a new weak proxy to this object implementing [I] that calls [callback] once, with the
 * proxy, after this object is reclaimed (if the proxy is still reachable then).
 *
 * Python: `weakref.proxy(obj, callback)`.
 *
 * > The callback runs on the engine thread `weakref-reclaimer`, newest reference or proxy first;
 * > whatever it throws goes to the unraisable hook. It must not capture this object, or the object
 * > never dies: a callback that holds it in one of its fields is refused. This function is
 * > `inline`: while the calling function runs, its frame holds this object strongly.
 *
 * @throws IllegalArgumentException if this object does not implement [I], [I] is not an interface,
 *   this is a weak proxy already, or a JDK value-based object such as a boxed `Int`, or if
 *   [callback] captured this object (the message names the field)
 */
public inline fun <reified I : Any> Any.weakProxy(noinline callback: (I) -> Unit): I =
    weakProxyWithCallback(this, I::class.java, callback)

/**
 * The body of [weakProxy] with a callback, out of line so that the capture check sees [callback]
 * itself rather than an adapter around it. Not API: called only from the inlined [weakProxy].
 */
@PublishedApi
internal fun <I : Any> weakProxyWithCallback(referent: Any, type: Class<I>, callback: (I) -> Unit): I =
    WeakProxies.proxy(referent, type, KotlinCallback(callback), callback)
