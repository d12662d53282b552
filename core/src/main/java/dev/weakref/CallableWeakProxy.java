package dev.weakref;

/**
 * The type of weak proxies to callable objects: a {@link WeakProxy} whose referent is a
 * functional-interface instance. Marker interface; implemented only by the proxies
 * {@link WeakProxy#of} creates.
 *
 * <p>Python: {@code weakref.CallableProxyType}. "Callable" means that the referent's class
 * implements, directly or through a superclass or superinterface, an interface annotated
 * {@link FunctionalInterface} ({@code Runnable}, {@code Callable}, {@code java.util.function.*}),
 * a Kotlin function type ({@code kotlin.jvm.functions.Function0} … and {@code kotlin.Function}) or a
 * Kotlin {@code fun interface}. An unannotated single-method interface such as {@code Comparable}
 * does not count. The proxy itself implements the callable interface when that interface is among
 * the ones proxied, so it can be called like the object.
 */
public interface CallableWeakProxy extends WeakProxy {}
