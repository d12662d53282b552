package dev.weakref.internal;

import dev.weakref.CallableWeakProxy;
import dev.weakref.WeakProxy;
import dev.weakref.internal.engine.PerClass;
import dev.weakref.internal.engine.ReclaimAction;
import dev.weakref.internal.engine.Tracking;
import java.lang.annotation.Annotation;
import java.lang.ref.Reference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Internal: builds the weak proxies behind {@link WeakProxy#of} (the proxy classes, one per
 * shape), while {@code Proxies.kt} holds the Kotlin facade: which interfaces, which class loader, whether
 * callable, and the sharing of callback-less proxies.
 *
 * <p>Everything cached here lives in {@link ClassValue}s, whose values are stored in the class they
 * describe (the referent's class or the interface): a cache entry can never outlive, or pin, the
 * class loader of the class it is about. The shapes of classes of an ancestor of this library's
 * loader (the JDK's interfaces) live in a map of our own instead ({@link PerClass}): stored there,
 * they would pin this library's loader. The JDK caches the proxy classes per defining loader.
 */
public final class ProxyClasses {
  /** The proxy shape for "every interface of this referent class". */
  private static final PerClass<Shape> ALL = new PerClass<>(ProxyClasses::allInterfacesShape);

  /** The two proxy shapes (plain and callable) over one interface, built on demand. */
  private static final PerClass<Shape[]> ONE = new PerClass<>(type -> new Shape[2]);

  /** Whether instances of a class are callable: implement a functional interface somewhere. */
  private static final ClassValue<Boolean> CALLABLE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      for (Class<?> iface : allInterfaces(type)) {
        if (isFunctionalInterface(iface)) {
          return true;
        }
      }
      return false;
    }
  };

  private static final InvocationHandler PROBE = (proxy, method, args) -> {
    throw new IllegalStateException("probe proxy");
  };

  private ProxyClasses() {}

  /* ---- Entry points ---- */

  /**
   * Returns the shared callback-less proxy to {@code referent} over every interface of its class.
   *
   * @param referent the object to refer to
   * @return the proxy
   * @throws IllegalArgumentException as {@link WeakProxy#of(Object)} documents
   */
  public static Object proxy(Object referent) {
    check(referent);
    Shape shape = ALL.get(referent.getClass());
    return Tracking.shared(referent, shape.proxyClass, shape);
  }

  /**
   * Returns a proxy to {@code referent} over {@code type}: the shared one without a callback, else
   * a new one.
   *
   * @param referent the object to refer to
   * @param type the interface
   * @param callback called with the proxy after reclamation, or {@code null}
   * @param fire the library's one reclaim action for refs and proxies, run with the proxy
   * @param <I> the interface
   * @return the proxy
   * @throws IllegalArgumentException as {@link WeakProxy#of(Object, Class, Consumer)} documents
   */
  public static <I> I proxy(Object referent, Class<I> type, @Nullable Consumer<? super I> callback,
      ReclaimAction fire) {
    return proxy(referent, type, callback, callback, fire);
  }

  /**
   * Returns the weak reference that stands for the tracked weak proxy {@code proxy} in the engine:
   * its handler.
   *
   * @param proxy a weak proxy of this library
   * @return its handler, a weak reference to the referent created with the engine's queue
   */
  public static Reference<?> referenceOf(Object proxy) {
    return (ProxyHandler) Proxy.getInvocationHandler(proxy);
  }

  /**
   * Returns the identity hash of the referent of a proxy's handler, recorded when it was made.
   *
   * @param handler a reference {@link #referenceOf} returned
   * @return the referent's identity hash
   */
  public static int referentHash(Reference<?> handler) {
    return ((ProxyHandler) handler).referentHash;
  }

  /**
   * Runs the callback of {@code proxy}'s handler: what the library's one reclaim action does with a
   * proxy.
   *
   * @param proxy a weak proxy with a callback
   */
  public static void fireProxy(Object proxy) {
    ProxyHandler h = ProxyHandler.handlerOf(proxy);
    if (h != null) {
      h.fire(proxy);
    }
  }

  /**
   * Returns the callback of a weak proxy, or {@code null}: names it in the engine's reports of a
   * callback running long.
   *
   * @param proxy a proxy made by this class
   * @return its callback, or {@code null} if it has none or is not such a proxy
   */
  public static @Nullable Object callbackOf(Object proxy) {
    ProxyHandler h = ProxyHandler.handlerOf(proxy);
    return h == null ? null : h.callback();
  }

  /**
   * Like {@link #proxy(Object, Class, Consumer)}, checking {@code checkedCallback} for captures: for
   * the Kotlin facade, whose {@code callback} adapts the Kotlin function {@code checkedCallback}.
   *
   * @param referent the object to refer to
   * @param type the interface
   * @param callback called with the proxy after reclamation, or {@code null}
   * @param checkedCallback what the capture check inspects and its message names
   * @param fire the library's one reclaim action for refs and proxies, run with the proxy
   * @param <I> the interface
   * @return the proxy
   */
  public static <I> I proxy(Object referent, Class<I> type, @Nullable Consumer<? super I> callback,
      @Nullable Object checkedCallback, ReclaimAction fire) {
    check(referent);
    Objects.requireNonNull(type, "interface");
    if (!type.isInterface()) {
      throw new IllegalArgumentException(
          "cannot create weak proxy: " + type.getName() + " is not an interface");
    }
    if (!type.isInstance(referent)) {
      throw new IllegalArgumentException("cannot create weak proxy: "
          + referent.getClass().getName() + " does not implement " + type.getName());
    }
    if (checkedCallback != null) {
      Captures.requireNotHeld("the weak proxy callback", checkedCallback, referent, "referent");
    }
    Shape shape = oneInterfaceShape(type, CALLABLE.get(referent.getClass()));
    Object proxy;
    if (callback == null) {
      proxy = Tracking.shared(referent, shape.proxyClass, shape);
    } else {
      @SuppressWarnings("unchecked")
      Consumer<Object> cb = (Consumer<Object>) callback;
      proxy = shape.newProxy(new ProxyHandler(referent, cb));
      Tracking.track(referent, proxy, fire);
    }
    return type.cast(proxy);
  }

  private static void check(Object referent) {
    Referents.requireReferenceable(referent);
    if (ProxyHandler.handlerOf(referent) != null) {
      throw new IllegalArgumentException("cannot create weak reference to 'weakproxy' object");
    }
  }

  /* ---- Shapes ---- */

  /**
   * The interfaces and loader of one kind of proxy. Also the factory of its callback-less, shared
   * proxies (Tracking.shared tracks them), so that sharing allocates nothing per call.
   */
  static final class Shape implements Function<Object, Object> {
    final Class<?>[] interfaces;
    final @Nullable ClassLoader loader;
    /** The proxy class, also the key under which proxies of this shape are shared. */
    final Class<?> proxyClass;

    Shape(Class<?>[] interfaces, @Nullable ClassLoader loader, Class<?> proxyClass) {
      this.interfaces = interfaces;
      this.loader = loader;
      this.proxyClass = proxyClass;
    }

    Object newProxy(ProxyHandler handler) {
      return Proxy.newProxyInstance(loader, interfaces, handler);
    }

    @Override
    public Object apply(Object referent) {
      return newProxy(new ProxyHandler(referent, null));
    }
  }

  private static Shape oneInterfaceShape(Class<?> type, boolean callable) {
    Shape[] shapes = ONE.get(type);
    int i = callable ? 1 : 0;
    Shape shape = shapes[i];
    if (shape == null) {
      // A benign race: two threads may build equal shapes; the JDK hands both the same proxy class.
      shape = build(List.of(type), callable, null);
      shapes[i] = shape;
    }
    return shape;
  }

  private static Shape allInterfacesShape(Class<?> type) {
    Set<Class<?>> declared = new LinkedHashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> iface : c.getInterfaces()) {
        if (iface != WeakProxy.class && iface != CallableWeakProxy.class) {
          declared.add(iface);
        }
      }
    }
    if (declared.isEmpty()) {
      throw new IllegalArgumentException("cannot create weak proxy: " + type.getName()
          + " implements no interface (a java.lang.reflect.Proxy can only implement interfaces;"
          + " use a WeakRef instead)");
    }
    boolean callable = CALLABLE.get(type);
    try {
      return build(new ArrayList<>(declared), callable, type.getClassLoader());
    } catch (IllegalArgumentException e) {
      // Non-public interfaces of several packages cannot share one proxy class: keep the public ones.
      List<Class<?>> visible = new ArrayList<>();
      for (Class<?> iface : declared) {
        if (Modifier.isPublic(iface.getModifiers())) {
          visible.add(iface);
        }
      }
      if (visible.isEmpty() || visible.size() == declared.size()) {
        throw new IllegalArgumentException("cannot create weak proxy for " + type.getName() + ": "
            + e.getMessage(), e);
      }
      return build(visible, callable, type.getClassLoader());
    }
  }

  /**
   * Finds a class loader that can define a proxy class over {@code interfaces} plus the marker:
   * this library's loader when it sees them all (the common case, and one proxy class for all
   * users), else the loader of an interface, else the referent's.
   */
  private static Shape build(List<Class<?>> interfaces, boolean callable,
      @Nullable ClassLoader referentLoader) {
    Class<?>[] all = interfaces.toArray(new Class<?>[interfaces.size() + 1]);
    all[interfaces.size()] = callable ? CallableWeakProxy.class : WeakProxy.class;
    List<@Nullable ClassLoader> candidates = new ArrayList<>();
    candidates.add(WeakProxy.class.getClassLoader());
    for (Class<?> iface : interfaces) {
      candidates.add(iface.getClassLoader());
    }
    candidates.add(referentLoader);
    IllegalArgumentException failure = null;
    Set<@Nullable ClassLoader> tried = new HashSet<>();
    for (ClassLoader loader : candidates) {
      if (!tried.add(loader)) {
        continue;
      }
      try {
        Class<?> proxyClass = Proxy.newProxyInstance(loader, all, PROBE).getClass();
        return new Shape(all, loader, proxyClass);
      } catch (IllegalArgumentException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw Objects.requireNonNull(failure);
  }

  /* ---- Callable ---- */

  /** Every interface a class implements, directly or not, each once. */
  private static Set<Class<?>> allInterfaces(Class<?> type) {
    Set<Class<?>> seen = new LinkedHashSet<>();
    ArrayDeque<Class<?>> todo = new ArrayDeque<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      todo.addAll(List.of(c.getInterfaces()));
    }
    if (type.isInterface()) {
      todo.add(type);
    }
    while (!todo.isEmpty()) {
      Class<?> iface = todo.poll();
      if (seen.add(iface)) {
        todo.addAll(List.of(iface.getInterfaces()));
      }
    }
    return seen;
  }

  /**
   * Whether {@code iface} makes its implementations callable: annotated {@link FunctionalInterface},
   * Kotlin's function base {@code kotlin.Function} (every {@code FunctionN} extends it), or a Kotlin
   * {@code fun interface}. Kotlin is recognized by name and metadata, never linked: Java users
   * need no Kotlin at run time.
   */
  static boolean isFunctionalInterface(Class<?> iface) {
    return iface.isAnnotationPresent(FunctionalInterface.class)
        || iface.getName().equals("kotlin.Function")
        || isKotlinFunInterface(iface);
  }

  private static boolean isKotlinFunInterface(Class<?> iface) {
    for (Annotation a : iface.getDeclaredAnnotations()) {
      Class<? extends Annotation> type = a.annotationType();
      if (type.getName().equals("kotlin.Metadata")) {
        try {
          int kind = (Integer) type.getMethod("k").invoke(a);
          String[] data = (String[]) type.getMethod("d1").invoke(a);
          return kind == KotlinMetadata.KIND_CLASS && KotlinMetadata.isFunInterface(data);
        } catch (ReflectiveOperationException | RuntimeException e) {
          return false; // metadata we cannot read: not callable, rather than no proxy at all
        }
      }
    }
    return false;
  }
}
