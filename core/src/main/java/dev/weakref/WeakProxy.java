package dev.weakref;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The type of every weak proxy: a {@link java.lang.reflect.Proxy} that forwards calls to an object
 * it refers to only weakly. Marker interface; implemented only by the proxies the factories below
 * create.
 *
 * <p>Python: {@code weakref.proxy(obj[, callback])}; this interface is {@code weakref.ProxyType},
 * and {@link CallableWeakProxy} is {@code weakref.CallableProxyType}.
 *
 * <p>A proxy implements the interfaces of its referent's class (and superclasses), or the one
 * interface named, and passes every call through while the referent lives. Once the referent has
 * been reclaimed every call throws {@link ReferenceError}
 * ({@code "weakly-referenced object no longer exists"}). The {@code Object} methods:
 * <ul>
 *   <li>{@code hashCode()} always throws {@code UnsupportedOperationException("unhashable type:
 *       'weakproxy'")}, as Python's proxies are unhashable: a proxy cannot be a key or set element;
 *   <li>{@code equals(other)} compares the referent with {@code other}, unwrapping {@code other}
 *       first if it is a weak proxy too; once either referent is dead a proxy equals only itself,
 *       as a {@link WeakRef} does (Python raises {@code ReferenceError} there, but a throwing
 *       {@code equals} would break removing a dead proxy from a list in its own callback);
 *   <li>{@code toString()} is {@code <weakproxy at 0x…; to 'pkg.Class' at 0x…>} while the referent
 *       lives and {@code <weakproxy at 0x…; dead>} after, and never throws.
 * </ul>
 * Default methods of the proxied interfaces run on the referent (its own override, if any, or the
 * default), so they behave as they would on the object itself. What the referent throws is thrown
 * unchanged.
 *
 * <p><b>Callbacks.</b> A proxy made with a callback calls it once, with the proxy, on the engine
 * thread {@code weakref-reclaimer} after the referent is reclaimed, if the proxy is still reachable
 * then. Proxies and {@link WeakRef}s to one object call back newest-registered first, whatever their
 * kind. What a callback throws goes to the engine's unraisable hook. Callback-less proxies are shared:
 * asking again for a proxy to the same object over the same interfaces returns the same proxy while it
 * is reachable, as CPython does. Proxies count in {@code Reclaimer.weakRefCount} and appear in
 * {@code Reclaimer.weakRefs}.
 *
 * <p>The proxy holds its referent, and nothing else of the referent's, weakly: neither the invocation
 * handler nor any cache keeps it, its class or its class loader alive.
 *
 * <pre>{@code
 * Listener listener = new Screen();
 * bus.subscribe(WeakProxy.of(listener, Listener.class, p -> bus.unsubscribe(p)));
 * // the bus no longer keeps the screen alive; once it is reclaimed the proxy unsubscribes itself
 * }</pre>
 */
public interface WeakProxy {

  /**
   * Returns a weak proxy to {@code referent} implementing every interface of its class and
   * superclasses: the one callback-less proxy it shares with every other caller while that proxy is
   * reachable.
   *
   * <p>Python: {@code weakref.proxy(obj)}. The proxy also implements {@link WeakProxy}, or
   * {@link CallableWeakProxy} when {@code referent} is callable (see there).
   *
   * @param referent the object to refer to
   * @return the proxy, a {@link WeakProxy}
   * @throws NullPointerException if {@code referent} is {@code null}
   * @throws IllegalArgumentException if {@code referent} implements no interface, is itself a weak
   *     proxy, or is of a JDK value-based class such as {@code Integer}
   */
  static Object of(Object referent) {
    return WeakProxies.proxy(referent);
  }

  /**
   * Returns a weak proxy to {@code referent} implementing {@code type}: the one callback-less proxy
   * it shares with every other caller for that interface while that proxy is reachable.
   *
   * <p>Python: {@code weakref.proxy(obj)}.
   *
   * @param referent the object to refer to
   * @param type the interface the proxy implements; {@code referent} must implement it
   * @param <I> the interface
   * @return the proxy, also a {@link WeakProxy}
   * @throws NullPointerException if {@code referent} or {@code type} is {@code null}
   * @throws IllegalArgumentException if {@code type} is not an interface, {@code referent} does not
   *     implement it, {@code referent} is itself a weak proxy, or is of a JDK value-based class
   */
  static <I> I of(Object referent, Class<I> type) {
    return WeakProxies.proxy(referent, type, null);
  }

  /**
   * Returns a new weak proxy to {@code referent} implementing {@code type} that calls
   * {@code callback} with itself once, on the engine thread, after {@code referent} is reclaimed; with
   * a {@code null} callback, the shared proxy of {@link #of(Object, Class)}.
   *
   * <p>Python: {@code weakref.proxy(obj, callback)}.
   *
   * @param referent the object to refer to
   * @param type the interface the proxy implements; {@code referent} must implement it
   * @param callback called with the proxy after reclamation if the proxy is still reachable, or
   *     {@code null}; it must not capture {@code referent}, or the referent would never die, and is
   *     refused if it does
   * @param <I> the interface
   * @return the proxy, also a {@link WeakProxy}
   * @throws NullPointerException if {@code referent} or {@code type} is {@code null}
   * @throws IllegalArgumentException if {@code type} is not an interface, {@code referent} does not
   *     implement it, {@code referent} is itself a weak proxy, or is of a JDK value-based class, or
   *     if {@code callback} is {@code referent} or holds it in one of its fields (a lambda's captured
   *     value, an anonymous or inner class's field); the message names the field
   */
  static <I> I of(Object referent, Class<I> type, @Nullable Consumer<? super I> callback) {
    return WeakProxies.proxy(referent, type, callback);
  }
}
