package dev.weakref.internal;

import dev.weakref.ReferenceError;
import dev.weakref.WeakProxy;
import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.engine.Tracking;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The invocation handler of a weak proxy, and the weak reference to its referent in one object:
 * the reference that stands for the proxy in the engine, enqueued when the referent dies while the
 * proxy is reachable (see {@code dev.weakref.TrackedHandles}).
 *
 * <p>It holds the referent weakly and the callback, nothing else: no cached {@link Method}s, classes
 * or handles, so a proxy pins no class loader beyond what the proxy's own class does. The
 * {@code Method} objects arrive from the proxy class, which owns them. The hot path allocates
 * nothing beyond the argument array the proxy already made.
 */
final class ProxyHandler extends WeakReference<Object> implements InvocationHandler {
  private final @Nullable Consumer<Object> callback;
  /** The referent's identity hash, which the engine reads once the referent is gone. */
  final int referentHash;

  /** The callback, for the engine's reports of a callback running long; a final field. */
  @Nullable Consumer<Object> callback() {
    return callback;
  }

  /** Creates the handler of a proxy that is to be tracked: its reference is the proxy's. */
  ProxyHandler(Object referent, @Nullable Consumer<Object> callback) {
    super(referent, Tracking.queue());
    this.callback = callback;
    this.referentHash = System.identityHashCode(referent);
  }

  /** Returns the handler of {@code obj} if it is a weak proxy of this library, else null. */
  static @Nullable ProxyHandler handlerOf(@Nullable Object obj) {
    if (obj instanceof WeakProxy && Proxy.isProxyClass(obj.getClass())
        && Proxy.getInvocationHandler(obj) instanceof ProxyHandler h) {
      return h;
    }
    return null;
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    // Proxy hands hashCode/equals/toString over with Object as the declaring class, even when an
    // interface redeclares them (Comparator.equals): one field read tells them apart.
    if (method.getDeclaringClass() == Object.class) {
      return objectMethod(proxy, method, args);
    }
    Object referent = get();
    if (referent == null) {
      throw new ReferenceError();
    }
    try {
      return method.invoke(referent, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } catch (IllegalAccessException e) {
      return invokeInaccessible(referent, method, args, e);
    }
  }

  /**
   * Calls a method of a non-public interface, which reflection refuses to this package. The
   * {@code Method} is the proxy class's own, so making it accessible once lasts as long as that class.
   */
  private static @Nullable Object invokeInaccessible(Object referent, Method method,
      @Nullable Object[] args, IllegalAccessException cause) throws Throwable {
    if (!method.trySetAccessible()) {
      throw new IllegalStateException("weak proxy cannot call " + method + ": " + cause.getMessage(),
          cause);
    }
    try {
      return method.invoke(referent, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private @Nullable Object objectMethod(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    switch (method.getName()) {
      case "hashCode":
        throw new UnsupportedOperationException("unhashable type: 'weakproxy'");
      case "equals":
        return proxyEquals(proxy, args == null ? null : args[0]);
      case "toString":
        return describe(proxy);
      default: // Proxy sends no other Object method; forward anything new all the same
        Object referent = referent();
        try {
          return method.invoke(referent, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
    }
  }

  /** Returns the referent, or throws {@link ReferenceError} if it is gone. */
  Object referent() {
    Object referent = get();
    if (referent == null) {
      throw new ReferenceError();
    }
    return referent;
  }

  /**
   * Compares referents, unwrapping {@code other} if it is a weak proxy too (Python unwraps both sides
   * of {@code ==}). Once either side is dead only identity is left, as for {@link dev.weakref.WeakRef}: Python
   * would raise, but a Java {@code equals} that throws breaks {@code list.remove(proxy)} in the very
   * callback that unsubscribes a dead proxy.
   */
  private boolean proxyEquals(Object proxy, @Nullable Object other) {
    if (other == proxy) {
      return true;
    }
    Object referent = get();
    if (referent == null) {
      return false;
    }
    ProxyHandler otherHandler = handlerOf(other);
    if (otherHandler != null) {
      other = otherHandler.get();
      if (other == null) {
        return false;
      }
    }
    return referent.equals(other);
  }

  /** Python's {@code repr} of a proxy; never throws and never calls the referent. */
  private String describe(Object proxy) {
    return Reprs.of("weakproxy", proxy, "to", get());
  }

  /** Runs the callback with the proxy; called by the engine once, after the referent was reclaimed. */
  void fire(Object proxy) {
    Consumer<Object> cb = callback;
    if (cb != null) {
      try {
        cb.accept(proxy);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, cb);
      }
    }
  }

  @Override
  public String toString() {
    return "ProxyHandler[" + (refersTo(null) ? "dead" : "alive") + "]";
  }
}
