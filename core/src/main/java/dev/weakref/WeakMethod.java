package dev.weakref;

import dev.weakref.internal.Captures;
import dev.weakref.internal.Referents;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A weak reference to a bound method: it refers weakly to the method's receiver and hands out a
 * freshly bound function on each {@link #get()}.
 *
 * <p>Python: {@code weakref.WeakMethod}. A bound method reference such as {@code counter::increment}
 * is a new object that nothing else holds, so a plain weak reference to it dies at the next
 * collection even though {@code counter} lives on:
 * <pre>{@code
 * WeakRef<Runnable> wr = new WeakRef<>(counter::increment);   // cleared at the next GC
 * WeakMethod<Runnable> wm = WeakMethod.of(counter, c -> c::increment);
 * Runnable r = wm.get();   // counter::increment while counter lives, null after
 * if (r != null) r.run();
 * }</pre>
 *
 * <p>The {@code binder} turns the receiver into the bound function, on every {@link #get()}. It must
 * not capture the receiver, or the receiver could never be reclaimed: {@code c -> c::increment} is
 * right; {@code c -> counter::increment} captures {@code counter} and is refused, and so is a
 * callback that holds the receiver. Binders are compared by identity, so reuse one (a constant, or
 * a non-capturing lambda, which Java makes a singleton) where equality matters.
 *
 * <p>The reference counts as a weak reference to the receiver ({@code Reclaimer.weakRefCount}); its
 * callback runs once, with this {@code WeakMethod}, on the engine thread {@code weakref-reclaimer}
 * after the receiver is reclaimed, newest reference first, as for any {@link WeakRef}. A weak method
 * is registered only once fully built: {@code getWeakRefs} never returns one without its binder.
 *
 * <p><b>Equality.</b> While both receivers are alive two weak methods are equal when their receivers
 * are {@code equals} and their binders are the same object; otherwise only a weak method equals
 * itself. {@link #hashCode()} combines the receiver's hash, kept after its death, with the binder's
 * identity. {@link #toString()} describes the receiver, as Python's repr does.
 *
 * @param <F> the type of the bound function, such as {@code Runnable} or {@code Supplier<String>}
 */
public final class WeakMethod<F> extends WeakRef<F> {

  private final Function<Object, ? extends F> binder;

  /**
   * Creates the weak method, not yet registered: {@link #of} registers it once it is fully built, so
   * that no concurrent {@code getWeakRefs} or callback sees it with its binder unset.
   */
  @SuppressWarnings("unchecked")
  private WeakMethod(Object receiver, Function<?, ? extends F> binder,
      @Nullable Consumer<? super WeakMethod<F>> callback, @Nullable Object checkedCallback) {
    // The WeakRef underneath refers to the receiver; get() below never hands it out as an F.
    super((F) receiver, (Consumer<? super WeakRef<F>>) (Consumer<?>) callback, checkedCallback,
        "the WeakMethod callback");
    this.binder = (Function<Object, ? extends F>) binder;
  }

  /**
   * Returns a weak reference to the method that {@code binder} binds to {@code receiver}.
   *
   * <p>Python: {@code weakref.WeakMethod(obj.method)}.
   *
   * @param receiver the object whose method is referred to; held weakly
   * @param binder turns the receiver into the bound function, such as {@code c -> c::method}; must
   *     not capture the receiver
   * @param <R> the receiver's type
   * @param <F> the bound function's type
   * @return a new weak method, without callback
   * @throws NullPointerException if {@code receiver} or {@code binder} is {@code null}
   * @throws IllegalArgumentException if {@code binder} holds {@code receiver} in one of its fields
   *     (a lambda or anonymous class that captured it), or {@code receiver} is of a JDK value-based
   *     class such as {@code Integer}
   */
  public static <R, F> WeakMethod<F> of(R receiver, Function<? super R, ? extends F> binder) {
    return of(receiver, binder, null);
  }

  /**
   * Returns a weak reference to the method that {@code binder} binds to {@code receiver}, which
   * calls {@code callback} with itself once, on the engine thread, after the receiver is reclaimed.
   *
   * <p>Python: {@code weakref.WeakMethod(obj.method, callback)}.
   *
   * @param receiver the object whose method is referred to; held weakly
   * @param binder turns the receiver into the bound function; must not capture the receiver
   * @param callback called after the receiver's reclamation if this reference is still reachable, or
   *     {@code null} for none; it must not capture the receiver either, and is refused if it does
   * @param <R> the receiver's type
   * @param <F> the bound function's type
   * @return a new weak method
   * @throws NullPointerException if {@code receiver} or {@code binder} is {@code null}
   * @throws IllegalArgumentException if {@code binder} holds {@code receiver} in one of its fields,
   *     {@code callback} is {@code receiver} or holds it in one of its fields, or {@code receiver} is
   *     of a JDK value-based class
   */
  public static <R, F> WeakMethod<F> of(R receiver, Function<? super R, ? extends F> binder,
      @Nullable Consumer<? super WeakMethod<F>> callback) {
    return of(receiver, binder, callback, callback);
  }

  /**
   * Like {@link #of(Object, Function, Consumer)}, checking {@code checkedCallback} for captures:
   * for the Kotlin facade, whose {@code callback} adapts the Kotlin function {@code checkedCallback}.
   */
  static <R, F> WeakMethod<F> of(R receiver, Function<? super R, ? extends F> binder,
      @Nullable Consumer<? super WeakMethod<F>> callback, @Nullable Object checkedCallback) {
    Referents.requireReferenceable(receiver);
    Objects.requireNonNull(binder, "binder");
    Captures.requireNotHeldByBinder(receiver, binder);
    WeakMethod<F> wm = new WeakMethod<>(receiver, binder, callback, checkedCallback);
    @SuppressWarnings("unchecked")
    F asReferent = (F) receiver;
    wm.register(asReferent); // only now, fully built, may getWeakRefs or the engine see it
    return wm;
  }

  /**
   * Returns the method bound afresh to the receiver, or {@code null} once the receiver was reclaimed.
   *
   * <p>Python: {@code wm()}. Each call applies the binder again, so hold the result only as long as
   * you need it: it keeps the receiver alive.
   *
   * @return {@code binder.apply(receiver)} while the receiver is alive, otherwise {@code null}
   */
  @Override
  public @Nullable F get() {
    Object receiver = referent();
    return receiver == null ? null : binder.apply(receiver);
  }

  /** The receiver's hash combined with the binder's identity; kept by {@link WeakRef#hashCode()}. */
  @Override
  int valueHash(Object receiver) {
    return 31 * receiver.hashCode() + System.identityHashCode(binder);
  }

  /**
   * Compares receivers and binders while both receivers are alive, identity otherwise.
   *
   * <p>Python: {@code wm1 == wm2}.
   *
   * @param obj another object
   * @return {@code true} if {@code obj} is this, or a {@code WeakMethod} with the same binder whose
   *     receiver and this one's are both alive and {@code equals}
   */
  @Override
  public boolean equals(@Nullable Object obj) {
    if (this == obj) {
      return true;
    }
    if (!(obj instanceof WeakMethod<?> other) || other.binder != binder) {
      return false;
    }
    Object mine = referent();
    Object theirs = other.referent();
    return mine != null && theirs != null && mine.equals(theirs);
  }
}
