package dev.weakref.interop;

import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.Reclaimer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Python's {@code weakref} module as Java statics, for code ported from Python or written by people
 * who know it: {@code Weakref.ref(obj)}, {@code Weakref.getWeakRefCount(obj)}, …
 *
 * <p>Every method delegates to the types of {@code dev.weakref} and the engine in
 * {@code dev.weakref.engine}; this class has no state. Callbacks run on the engine thread
 * {@code weakref-reclaimer}, newest first per referent; what they throw goes to the engine's
 * unraisable hook. Needs no Kotlin at run time.
 *
 * <p>Meant for {@code import static dev.weakref.interop.Weakref.*}. With it, call finalizers
 * {@link #finalizer(Object, Runnable) finalizer(obj, func)}: an unqualified {@code finalize(…)} in a
 * class means the class's own {@code Object.finalize()}, which hides the imported one, so it does
 * not compile ({@code Weakref.finalize(…)} qualified works too).
 *
 * <p>(For maintainers: longer than 450 lines because it is the whole Python module as statics, each
 * overload with its own documentation; it holds no logic of its own.)
 */
@NullMarked
public final class Weakref {

  /**
   * The type of weak references: Python's {@code weakref.ReferenceType}. Subclasses such as
   * {@code WeakMethod} are references too ({@code REFERENCE_TYPE.isInstance(wr)}).
   */
  public static final Class<?> REFERENCE_TYPE = WeakRef.class;

  private Weakref() {}

  /**
   * Returns a weak reference to {@code obj}: the one callback-less reference it shares with every
   * other caller, as CPython reuses it. The same object comes back while it is reachable; it is never
   * an instance of a subclass and never has a callback.
   *
   * <p>Python: {@code weakref.ref(obj)}.
   *
   * @param obj the object to refer to
   * @param <T> its type
   * @return the shared reference to {@code obj}
   * @throws NullPointerException if {@code obj} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class such as
   *     {@code Integer}
   */
  public static <T> WeakRef<T> ref(T obj) {
    return WeakRef.of(obj);
  }

  /**
   * Returns a new weak reference to {@code obj} that calls {@code callback} with itself once, on the
   * engine thread, after {@code obj} is reclaimed; with a {@code null} callback, the shared reference
   * of {@link #ref(Object)}.
   *
   * <p>Python: {@code weakref.ref(obj, callback)}.
   *
   * @param obj the object to refer to
   * @param callback called after reclamation if the reference is still reachable, or {@code null}
   * @param <T> its type
   * @return a reference to {@code obj}
   * @throws NullPointerException if {@code obj} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if
   *     {@code callback} is {@code obj} or holds it in one of its fields (it could never die)
   */
  public static <T> WeakRef<T> ref(T obj, @Nullable Consumer<? super WeakRef<T>> callback) {
    return WeakRef.of(obj, callback);
  }

  /**
   * Returns how many weak references and proxies refer to {@code obj}.
   *
   * <p>Python: {@code weakref.getweakrefcount(obj)}. The weak containers' internal references are
   * not counted.
   *
   * @param obj any object
   * @return the number of live references to it
   */
  public static int getWeakRefCount(Object obj) {
    return Reclaimer.weakRefCount(obj);
  }

  /**
   * Returns the weak references and proxies that refer to {@code obj} (newest first, though Python
   * leaves the order unspecified).
   *
   * <p>Python: {@code weakref.getweakrefs(obj)}.
   *
   * @param obj any object
   * @return a fresh list of the live references to it
   */
  public static List<Object> getWeakRefs(Object obj) {
    return Reclaimer.weakRefs(obj);
  }

  /**
   * Forces a garbage collection and returns once every callback it caused has run. For tests: call
   * this instead of sleeping.
   *
   * <p>Python: {@code gc.collect()}.
   *
   * @throws IllegalStateException if that did not finish within 30 seconds; the message says what
   *     is still pending
   */
  public static void collect() {
    Reclaimer.collect();
  }

  /* ---- Finalizers ---- */
  // Fully qualified names keep this block self-contained, so parallel additions merge cleanly.

  /**
   * Returns a new alive finalizer that runs {@code func} once: after {@code obj} is reclaimed, at JVM
   * exit, or when called. Same as {@link dev.weakref.Finalizer#of(Object, Runnable)}.
   *
   * <p>Python: {@code weakref.finalize(obj, func)}. The finalizer stays alive without anyone holding
   * it; after reclamation {@code func} runs on the engine thread and what it throws goes to the
   * unraisable hook.
   * Under {@code import static dev.weakref.interop.Weakref.*}, write {@link #finalizer(Object,
   * Runnable) finalizer(obj, func)}: an unqualified {@code finalize} means {@code Object.finalize()}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if {@code func}
   *     holds {@code obj} (the message names the field)
   */
  public static dev.weakref.Finalizer<Void> finalize(Object obj, Runnable func) {
    return dev.weakref.Finalizer.of(obj, func);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} once: after {@code obj} is reclaimed, at JVM
   * exit, or when called, which returns its result. Same as
   * {@link dev.weakref.Finalizer#of(Object, java.util.concurrent.Callable)}.
   *
   * <p>Python: {@code weakref.finalize(obj, func)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if {@code func}
   *     holds {@code obj} (the message names the field)
   */
  public static <R extends @Nullable Object> dev.weakref.Finalizer<R> finalize(
      Object obj, java.util.concurrent.Callable<R> func) {
    return dev.weakref.Finalizer.of(obj, func);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code args} once: after {@code obj} is
   * reclaimed, at JVM exit, or when called, which returns its result. Same as
   * {@link dev.weakref.Finalizer#of(Object, java.util.function.Function, Object...)}.
   *
   * <p>Python: {@code weakref.finalize(obj, func, *args)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; receives a copy of {@code args}; must not hold {@code obj}
   * @param args the arguments, none of which may be {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer
   * @throws NullPointerException if {@code obj}, {@code func} or the {@code args} array is
   *     {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if an argument is {@code obj}
   */
  public static <R extends @Nullable Object> dev.weakref.Finalizer<R> finalize(
      Object obj, java.util.function.Function<Object[], R> func, @Nullable Object... args) {
    return dev.weakref.Finalizer.of(obj, func, args);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code arg} once: after {@code obj} is
   * reclaimed, at JVM exit, or when called. Same as
   * {@link dev.weakref.Finalizer#of(Object, java.util.function.Consumer, Object)}.
   *
   * <p>Python: {@code weakref.finalize(obj, print, msg)}: {@code Weakref.finalize(obj,
   * System.out::println, "msg")} prints {@code msg}. For a function that returns nothing; it gets
   * the argument itself, not an array.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg the argument passed to {@code func}; must not be {@code obj}
   * @param <A> the argument's type
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if {@code arg} is {@code obj}
   */
  public static <A extends @Nullable Object> dev.weakref.Finalizer<Void> finalize(
      Object obj, Consumer<? super A> func, A arg) {
    return dev.weakref.Finalizer.of(obj, func, arg);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code arg1} and {@code arg2} once:
   * after {@code obj} is reclaimed, at JVM exit, or when called. Same as
   * {@link dev.weakref.Finalizer#of(Object, java.util.function.BiConsumer, Object, Object)}.
   *
   * <p>Python: {@code weakref.finalize(obj, func, arg1, arg2)}, for a function that returns
   * nothing; it gets the two arguments themselves.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg1 the first argument passed to {@code func}; must not be {@code obj}
   * @param arg2 the second argument passed to {@code func}; must not be {@code obj}
   * @param <A> the first argument's type
   * @param <B> the second argument's type
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if an argument is {@code obj}
   */
  public static <A extends @Nullable Object, B extends @Nullable Object>
      dev.weakref.Finalizer<Void> finalize(
          Object obj, java.util.function.BiConsumer<? super A, ? super B> func, A arg1, B arg2) {
    return dev.weakref.Finalizer.of(obj, func, arg1, arg2);
  }

  /*
   * finalizer(…): the same five overloads under a name a static import can use. Inside any class an
   * unqualified finalize(…) call finds Object.finalize() first (a member hides a static import, JLS
   * 6.4.1) and does not compile, whatever its arguments.
   */

  /**
   * Same as {@link #finalize(Object, Runnable)}, under a name that {@code import static
   * dev.weakref.interop.Weakref.*} makes usable: in a class, an unqualified {@code finalize(…)} means
   * the class's own {@code Object.finalize()}, which hides the imported one, so it does not compile;
   * {@code finalizer(obj, func)} does.
   *
   * <p>Python: {@code weakref.finalize(obj, func)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if {@code func}
   *     holds {@code obj} (the message names the field)
   */
  public static dev.weakref.Finalizer<Void> finalizer(Object obj, Runnable func) {
    return dev.weakref.Finalizer.of(obj, func);
  }

  /**
   * Same as {@link #finalize(Object, java.util.concurrent.Callable)}, under a name a static import
   * can use (see {@link #finalizer(Object, Runnable)}).
   *
   * <p>Python: {@code weakref.finalize(obj, func)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if {@code func}
   *     holds {@code obj} (the message names the field)
   */
  public static <R extends @Nullable Object> dev.weakref.Finalizer<R> finalizer(
      Object obj, java.util.concurrent.Callable<R> func) {
    return dev.weakref.Finalizer.of(obj, func);
  }

  /**
   * Same as {@link #finalize(Object, java.util.function.Function, Object...)}, under a name a static
   * import can use (see {@link #finalizer(Object, Runnable)}).
   *
   * <p>Python: {@code weakref.finalize(obj, func, *args)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; receives a copy of {@code args}; must not hold {@code obj}
   * @param args the arguments, none of which may be {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer
   * @throws NullPointerException if {@code obj}, {@code func} or the {@code args} array is
   *     {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if an argument is {@code obj}
   */
  public static <R extends @Nullable Object> dev.weakref.Finalizer<R> finalizer(
      Object obj, java.util.function.Function<Object[], R> func, @Nullable Object... args) {
    return dev.weakref.Finalizer.of(obj, func, args);
  }

  /**
   * Same as {@link #finalize(Object, Consumer, Object)}, under a name a static import can use (see
   * {@link #finalizer(Object, Runnable)}): {@code finalizer(obj, System.out::println, "msg")}.
   *
   * <p>Python: {@code weakref.finalize(obj, print, msg)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg the argument passed to {@code func}; must not be {@code obj}
   * @param <A> the argument's type
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if {@code arg} is {@code obj}
   */
  public static <A extends @Nullable Object> dev.weakref.Finalizer<Void> finalizer(
      Object obj, Consumer<? super A> func, A arg) {
    return dev.weakref.Finalizer.of(obj, func, arg);
  }

  /**
   * Same as {@link #finalize(Object, java.util.function.BiConsumer, Object, Object)}, under a name a
   * static import can use (see {@link #finalizer(Object, Runnable)}).
   *
   * <p>Python: {@code weakref.finalize(obj, func, arg1, arg2)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg1 the first argument passed to {@code func}; must not be {@code obj}
   * @param arg2 the second argument passed to {@code func}; must not be {@code obj}
   * @param <A> the first argument's type
   * @param <B> the second argument's type
   * @return the finalizer
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} (the message names the field), or if an argument is {@code obj}
   */
  public static <A extends @Nullable Object, B extends @Nullable Object>
      dev.weakref.Finalizer<Void> finalizer(
          Object obj, java.util.function.BiConsumer<? super A, ? super B> func, A arg1, B arg2) {
    return dev.weakref.Finalizer.of(obj, func, arg1, arg2);
  }

  /* ---- Containers ---- */

  /**
   * Returns a new empty {@link WeakKeyDictionary}: keys held weakly, compared by {@code equals}.
   *
   * <p>Python: {@code weakref.WeakKeyDictionary()}.
   *
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new dictionary
   */
  public static <K, V> WeakKeyDictionary<K, V> weakKeyDictionary() {
    return new WeakKeyDictionary<>();
  }

  /**
   * Returns a new {@link WeakKeyDictionary} with the mappings of {@code map}.
   *
   * <p>Python: {@code weakref.WeakKeyDictionary(dict)}.
   *
   * @param map the mappings to copy
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new dictionary
   * @throws NullPointerException if {@code map} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a key is of a JDK value-based class
   */
  public static <K, V> WeakKeyDictionary<K, V> weakKeyDictionary(Map<? extends K, ? extends V> map) {
    return new WeakKeyDictionary<>(map);
  }

  /**
   * Returns a new empty {@link WeakValueDictionary}: values held weakly.
   *
   * <p>Python: {@code weakref.WeakValueDictionary()}.
   *
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new dictionary
   */
  public static <K, V> WeakValueDictionary<K, V> weakValueDictionary() {
    return new WeakValueDictionary<>();
  }

  /**
   * Returns a new {@link WeakValueDictionary} with the mappings of {@code map}.
   *
   * <p>Python: {@code weakref.WeakValueDictionary(dict)}.
   *
   * @param map the mappings to copy
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new dictionary
   * @throws NullPointerException if {@code map} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a value is of a JDK value-based class
   */
  public static <K, V> WeakValueDictionary<K, V> weakValueDictionary(
      Map<? extends K, ? extends V> map) {
    return new WeakValueDictionary<>(map);
  }

  /**
   * Returns a new empty {@link WeakSet}: elements held weakly, compared by {@code equals}.
   *
   * <p>Python: {@code weakref.WeakSet()}.
   *
   * @param <E> the type of elements
   * @return a new set
   */
  public static <E> WeakSet<E> weakSet() {
    return new WeakSet<>();
  }

  /**
   * Returns a new {@link WeakSet} with the elements of {@code elements}.
   *
   * <p>Python: {@code weakref.WeakSet(iterable)}.
   *
   * @param elements the elements to add
   * @param <E> the type of elements
   * @return a new set
   * @throws NullPointerException if {@code elements} or one of them is {@code null}
   * @throws IllegalArgumentException if an element is of a JDK value-based class
   */
  public static <E> WeakSet<E> weakSet(Collection<? extends E> elements) {
    return new WeakSet<>(elements);
  }

  /* ---- Proxies and WeakMethod ---- */

  /**
   * The type of weak proxies to non-callable objects: Python's {@code weakref.ProxyType}. Every weak
   * proxy is an instance ({@code PROXY_TYPE.isInstance(p)}), callable ones included.
   */
  public static final Class<?> PROXY_TYPE = dev.weakref.WeakProxy.class;

  /** The type of weak proxies to callable objects: Python's {@code weakref.CallableProxyType}. */
  public static final Class<?> CALLABLE_PROXY_TYPE = dev.weakref.CallableWeakProxy.class;

  /**
   * Both proxy types, {@code [PROXY_TYPE, CALLABLE_PROXY_TYPE]}: Python's
   * {@code weakref.ProxyTypes}. An unmodifiable list.
   */
  public static final List<Class<?>> PROXY_TYPES = List.of(PROXY_TYPE, CALLABLE_PROXY_TYPE);

  /**
   * Returns a weak proxy to {@code obj} implementing every interface of its class: the one
   * callback-less proxy it shares with every other caller. Calls pass through while {@code obj}
   * lives and throw {@link dev.weakref.ReferenceError} after; see {@link dev.weakref.WeakProxy}.
   *
   * <p>Python: {@code weakref.proxy(obj)}.
   *
   * @param obj the object to refer to
   * @return the proxy, a {@link dev.weakref.WeakProxy} ({@link dev.weakref.CallableWeakProxy} if {@code obj} is callable)
   * @throws NullPointerException if {@code obj} is {@code null}
   * @throws IllegalArgumentException if {@code obj} implements no interface, is a weak proxy, or is
   *     of a JDK value-based class such as {@code Integer}
   */
  public static Object proxy(Object obj) {
    return dev.weakref.WeakProxy.of(obj);
  }

  /**
   * Returns a weak proxy to {@code obj} implementing {@code type}: the one callback-less proxy it
   * shares with every other caller for that interface.
   *
   * <p>Python: {@code weakref.proxy(obj)}.
   *
   * @param obj the object to refer to
   * @param type an interface {@code obj} implements
   * @param <I> the interface
   * @return the proxy
   * @throws NullPointerException if {@code obj} or {@code type} is {@code null}
   * @throws IllegalArgumentException if {@code type} is not an interface or {@code obj} does not
   *     implement it, or {@code obj} is a weak proxy or of a JDK value-based class
   */
  public static <I> I proxy(Object obj, Class<I> type) {
    return dev.weakref.WeakProxy.of(obj, type);
  }

  /**
   * Returns a new weak proxy to {@code obj} implementing {@code type} that calls {@code callback}
   * with the proxy once, on the engine thread, after {@code obj} is reclaimed; with a {@code null}
   * callback, the shared proxy of {@link #proxy(Object, Class)}.
   *
   * <p>Python: {@code weakref.proxy(obj, callback)}.
   *
   * @param obj the object to refer to
   * @param type an interface {@code obj} implements
   * @param callback called with the proxy after reclamation if the proxy is still reachable, or
   *     {@code null}
   * @param <I> the interface
   * @return the proxy
   * @throws NullPointerException if {@code obj} or {@code type} is {@code null}
   * @throws IllegalArgumentException if {@code type} is not an interface or {@code obj} does not
   *     implement it, or {@code obj} is a weak proxy or of a JDK value-based class, or if
   *     {@code callback} is {@code obj} or holds it in one of its fields (it could never die)
   */
  public static <I> I proxy(Object obj, Class<I> type, @Nullable Consumer<? super I> callback) {
    return dev.weakref.WeakProxy.of(obj, type, callback);
  }

  /**
   * Returns a weak reference to the method {@code binder} binds to {@code receiver}, such as
   * {@code Weakref.weakMethod(counter, c -> c::increment)}; {@code get()} binds it afresh while the
   * receiver lives and returns {@code null} after.
   *
   * <p>Python: {@code weakref.WeakMethod(obj.method)}.
   *
   * @param receiver the object whose method is referred to; held weakly
   * @param binder turns the receiver into the bound function; must not capture the receiver
   * @param <R> the receiver's type
   * @param <F> the bound function's type
   * @return a new weak method
   * @throws NullPointerException if {@code receiver} or {@code binder} is {@code null}
   * @throws IllegalArgumentException if {@code binder} captured {@code receiver}, or
   *     {@code receiver} is of a JDK value-based class
   */
  public static <R, F> dev.weakref.WeakMethod<F> weakMethod(R receiver, java.util.function.Function<? super R, ? extends F> binder) {
    return dev.weakref.WeakMethod.of(receiver, binder);
  }

  /**
   * Returns a weak reference to the method {@code binder} binds to {@code receiver} that calls
   * {@code callback} with itself once, on the engine thread, after the receiver is reclaimed.
   *
   * <p>Python: {@code weakref.WeakMethod(obj.method, callback)}.
   *
   * @param receiver the object whose method is referred to; held weakly
   * @param binder turns the receiver into the bound function; must not capture the receiver
   * @param callback called after the receiver's reclamation, or {@code null} for none
   * @param <R> the receiver's type
   * @param <F> the bound function's type
   * @return a new weak method
   * @throws NullPointerException if {@code receiver} or {@code binder} is {@code null}
   * @throws IllegalArgumentException if {@code binder} or {@code callback} captured
   *     {@code receiver}, or {@code receiver} is of a JDK value-based class
   */
  public static <R, F> dev.weakref.WeakMethod<F> weakMethod(R receiver, java.util.function.Function<? super R, ? extends F> binder,
      @Nullable Consumer<? super dev.weakref.WeakMethod<F>> callback) {
    return dev.weakref.WeakMethod.of(receiver, binder, callback);
  }
}
