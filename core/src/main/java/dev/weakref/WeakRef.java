package dev.weakref;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.Captures;
import dev.weakref.internal.ProxyClasses;
import dev.weakref.internal.Referents;
import dev.weakref.internal.Reprs;
import dev.weakref.internal.engine.ReclaimAction;
import dev.weakref.internal.engine.Tracking;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A weak reference with Python's semantics: an optional callback, value equality while alive, a
 * hash that survives the referent, and a count the engine can report per referent.
 *
 * <p>Python: {@code weakref.ref} ({@code ReferenceType}). A {@code WeakRef} does not keep its
 * referent alive. Once the referent is only weakly reachable (see {@link java.lang.ref}) the
 * collector clears every reference to it at once; {@link #get()} then returns {@code null} for good.
 *
 * <p><b>Callbacks.</b> If this reference is itself still reachable when its referent is reclaimed,
 * its callback is called once with this reference as the argument, on the engine thread
 * {@code weakref-reclaimer}, never on the collector's or the caller's thread. {@link #get()} already
 * returns {@code null} there. Callbacks of the references to one object run newest-registered first.
 * A reference its owner dropped never calls back, and the engine does not keep it alive. What a
 * callback throws goes to {@link Reclaimer#setUnraisableHook the unraisable hook} and does not stop
 * the other callbacks. Actions of the creating thread before the constructor <i>happen-before</i>
 * the callback runs.
 *
 * <p><b>Warning:</b> a callback that captures the referent would keep it alive forever, and then
 * never run. Such a callback is refused with an {@link IllegalArgumentException} naming the field
 * that holds the referent, as {@code Finalizer.of} refuses such a function. Take what you need from
 * the reference passed in, or capture other values only:
 * <pre>{@code
 * Image image = load();
 * WeakRef<Image> wr = new WeakRef<>(image, r -> log("image gone"));     // fine
 * WeakRef<Image> bad = new WeakRef<>(image, r -> log("gone: " + image)); // refused: captures image
 * }</pre>
 * The check reads the callback's own fields (a lambda's captured values, an anonymous or inner
 * class's fields and enclosing instance); it cannot see the referent held through another object,
 * such as a captured collection or an enclosing instance that holds it, which still leaks.
 *
 * <p><b>Equality.</b> While both referents are alive two refs are equal when their referents are
 * {@code equals}; otherwise only a ref is equal to itself. {@link #hashCode()} is the referent's,
 * computed on first use and kept after the referent dies. References are not ordered.
 *
 * <p>Subclasses may add fields and override {@link #get()}, as Python subclasses of {@code ref} do;
 * {@link #hashCode()} and {@link #toString()} read the referent itself, not through that override.
 * A {@code WeakRef} is a {@link WeakReference}, so it can be passed where one is expected, but it
 * is cleared only by the collector: {@link #clear()} and {@link #enqueue()} are unsupported.
 *
 * <p><b>A subclass under construction.</b> A reference is registered with the engine at the end of
 * this class's constructor, that is, before the body of a subclass's constructor runs: from that
 * moment a concurrent {@code getWeakRefs(referent)} on another thread may return the new reference
 * with its {@code WeakRef} part complete (the base {@link #get()}, {@link #callback()},
 * {@link #hashCode()} and {@link #equals} work) but the subclass's own fields possibly still unset,
 * and an override of {@code get()} must cope with that. Its callback, too, runs if the referent is
 * reclaimed while the subclass's constructor still runs, so keep the referent reachable until that
 * constructor ends (use it last, or {@link java.lang.ref.Reference#reachabilityFence}). Java runs no
 * code of a base class after a subclass's constructor, so nothing here can wait for it. The
 * library's own subclass, {@link WeakMethod}, is registered only once fully constructed.
 *
 * @param <T> the type of the referent
 */
public class WeakRef<T> extends WeakReference<T> {
  /**
   * What the engine runs for a ref, a {@link WeakMethod} or a proxy with a callback: the one
   * stateless action of the library (one class at the engine's call site).
   */
  static final ReclaimAction FIRE = new ReclaimAction() {
    @Override
    public void reclaimed(Object handle) {
      if (handle instanceof WeakRef<?> ref) {
        ref.fire();
      } else {
        ProxyClasses.fireProxy(handle);
      }
    }

    @Override
    public @Nullable Object callbackOf(Object handle) {
      return handle instanceof WeakRef<?> ref ? ref.callback : ProxyClasses.callbackOf(handle);
    }
  };
  private static final long HASH_KNOWN = 1L << 32;
  private static final long HASH_BITS = HASH_KNOWN | 0xFFFF_FFFFL;
  private static final int TRACKED_SHIFT = 33;
  private static final Function<Object, WeakRef<Object>> SHARED = r -> new WeakRef<>(r, true);

  private final @Nullable Consumer<? super WeakRef<T>> callback;
  /**
   * Two things in one field, to keep a ref at 40 bytes: the low 32 bits hold the referent's hash
   * once known, bit 32 says it is, and bits 33-63 the low 31 bits of the referent's identity hash
   * once the ref is tracked (which the engine reads after the referent is gone: see
   * {@link TrackedHandles}).
   */
  private volatile long hash;

  /**
   * Creates a weak reference to {@code referent} with no callback. Always a new object: use
   * {@link #of(Object)} (or {@code Weakref.ref}) to share one callback-less reference per object.
   *
   * <p>Python: {@code weakref.ref(obj)}.
   *
   * @param referent the object to refer to
   * @throws NullPointerException if {@code referent} is {@code null}
   * @throws IllegalArgumentException if {@code referent} is of a JDK value-based class such as
   *     {@code Integer}, for which identity, and so a weak reference, is meaningless
   */
  public WeakRef(T referent) {
    this(referent, null);
  }

  /**
   * Creates a weak reference to {@code referent} that calls {@code callback} once after the
   * referent is reclaimed, if this reference is still reachable then.
   *
   * <p>Python: {@code weakref.ref(obj, callback)}.
   *
   * @param referent the object to refer to
   * @param callback called with this reference on the engine thread, or {@code null} for none; it
   *     must not hold {@code referent}
   * @throws NullPointerException if {@code referent} is {@code null}
   * @throws IllegalArgumentException if {@code referent} is of a JDK value-based class, or if
   *     {@code callback} is {@code referent} or holds it in one of its fields (see the class
   *     documentation)
   */
  public WeakRef(T referent, @Nullable Consumer<? super WeakRef<T>> callback) {
    this(referent, callback, callback, "the WeakRef callback");
    register(referent);
  }

  /**
   * Creates a reference that is not yet registered with the engine, after refusing a callback that
   * holds the referent: for the Kotlin facade, which shows {@code checked} (the Kotlin function) and
   * calls through {@code callback} (its adapter), and for the library's own subclasses, which
   * {@linkplain #register register} once fully constructed, so that no concurrent
   * {@code getWeakRefs} or callback ever sees them half-built.
   *
   * @param checked the callback as the user wrote it, or {@code null} if there is none
   * @param what names the callback in the capture check's message
   */
  WeakRef(T referent, @Nullable Consumer<? super WeakRef<T>> callback, @Nullable Object checked,
      String what) {
    super(Referents.requireReferenceable(referent), TrackedHandles.QUEUE);
    if (checked != null) {
      Captures.requireNotHeld(what, checked, referent, "referent");
    }
    this.callback = callback;
  }

  /**
   * Registers this reference with the engine: from then on it counts in {@code getWeakRefCount},
   * appears in {@code getWeakRefs} and its callback may run. Called once, when construction is done.
   *
   * @param referent the referent, passed in (rather than read) so that it stays reachable until
   *     the registration is complete
   */
  final void register(T referent) {
    recordTrackedHash(referent);
    Tracking.track(referent, this, callback == null ? null : FIRE);
  }

  private void recordTrackedHash(Object referent) {
    hash = (hash & HASH_BITS) | ((long) System.identityHashCode(referent) << TRACKED_SHIFT);
  }

  /** The referent's identity hash (its low 31 bits) as recorded when this ref was tracked. */
  final int trackedReferentHash() {
    return (int) (hash >>> TRACKED_SHIFT);
  }

  /**
   * Returns a new reference whose callback adapts {@code checked}, the function the capture check
   * inspects and its message names: for the Kotlin facade {@code obj.weakRef { }}.
   */
  static <T> WeakRef<T> ofAdapted(T referent, Consumer<? super WeakRef<T>> callback, Object checked) {
    WeakRef<T> wr = new WeakRef<>(referent, callback, checked, "the WeakRef callback");
    wr.register(referent);
    return wr;
  }

  /**
   * Creates a callback-less reference: the shared one, for {@link Tracking#shared} to track, if
   * {@code tracked}; else one the engine never hears of.
   */
  private WeakRef(T referent, boolean tracked) {
    super(referent, tracked ? TrackedHandles.QUEUE : null);
    this.callback = null;
    if (tracked) {
      recordTrackedHash(referent);
    }
  }

  /**
   * Returns a callback-less reference that the engine does not track: not counted by
   * {@code getWeakRefCount}, not shared. For views such as the containers' {@code keyRefs()}, whose
   * references mirror internal entries rather than being the caller's own refs.
   */
  static <T> WeakRef<T> untracked(T referent) {
    return new WeakRef<>(referent, false);
  }

  /**
   * Returns the one callback-less {@code WeakRef} that {@code referent} shares, creating it if
   * there is none: the reuse CPython does for {@code ref(obj)}. Never returns a subclass instance.
   *
   * @param referent the object to refer to
   * @param <T> the type of the referent
   * @return the shared reference, the same object while it is reachable
   * @throws NullPointerException if {@code referent} is {@code null}
   * @throws IllegalArgumentException if {@code referent} is of a JDK value-based class
   */
  public static <T> WeakRef<T> of(T referent) {
    // The hot path of reuse: a lock-free look. A value-based referent never has a shared ref (the
    // slow path refuses it before anything is created), so the check can wait until a miss.
    WeakRef<T> existing = Tracking.sharedIfPresent(
        Objects.requireNonNull(referent, "cannot create weak reference to null"), WeakRef.class);
    return existing != null ? existing : createShared(referent);
  }

  /**
   * {@link #of(Object)} when the lock-free look found no shared ref: a method of its own, so that
   * {@code of} stays small enough to be inlined where it is called.
   */
  private static <T> WeakRef<T> createShared(T referent) {
    Referents.requireReferenceable(referent);
    @SuppressWarnings("unchecked")
    WeakRef<T> shared = (WeakRef<T>) Tracking.shared(referent, WeakRef.class, SHARED);
    return shared;
  }

  /**
   * Returns {@link #of(Object) the shared reference} when {@code callback} is {@code null}, and a
   * new reference with that callback otherwise: Python's {@code weakref.ref(obj, callback)}.
   *
   * @param referent the object to refer to
   * @param callback the callback, or {@code null} for none
   * @param <T> the type of the referent
   * @return a reference to {@code referent}
   * @throws NullPointerException if {@code referent} is {@code null}
   * @throws IllegalArgumentException if {@code referent} is of a JDK value-based class, or if
   *     {@code callback} is {@code referent} or holds it in one of its fields (see the class
   *     documentation)
   */
  public static <T> WeakRef<T> of(T referent, @Nullable Consumer<? super WeakRef<T>> callback) {
    return callback == null ? of(referent) : new WeakRef<>(referent, callback);
  }

  /**
   * Returns the referent, or {@code null} once the garbage collector has cleared this reference.
   *
   * <p>Python: {@code r()}. A {@code null} result is final. Read the referent into a local once and
   * test that local; two calls may disagree.
   *
   * @return the referent while it is strongly or softly reachable, otherwise {@code null}
   */
  @Override
  public @Nullable T get() {
    return super.get();
  }

  /**
   * Returns the callback given at construction, or {@code null} if there was none or the referent
   * is gone (the callback has then run or is about to).
   *
   * <p>Python: {@code r.__callback__}.
   *
   * @return the callback while the referent is alive, else {@code null}
   */
  public @Nullable Consumer<? super WeakRef<T>> callback() {
    return refersTo(null) ? null : callback;
  }

  /** Runs the callback; called by the engine once, after the referent was reclaimed. */
  private void fire() {
    Consumer<? super WeakRef<T>> cb = callback;
    if (cb != null) {
      try {
        cb.accept(this);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, cb);
      }
    }
  }

  /**
   * The referent itself, whatever a subclass's {@link #get()} returns: what the hash and the repr
   * describe, as CPython reads the referent directly rather than calling {@code __call__}.
   */
  final @Nullable Object referent() {
    return super.get();
  }

  /**
   * The value hash ({@code hashCode()}, not the identity hash) of a live referent, computed once by
   * {@link #hashCode()}; {@code WeakMethod} mixes in its binder.
   */
  int valueHash(Object referent) {
    return referent.hashCode();
  }

  /**
   * Returns the referent's hash code, computed on first use and kept after the referent dies.
   *
   * <p>Python: {@code hash(r)}.
   *
   * @return the referent's {@code hashCode()}
   * @throws IllegalStateException if the referent was reclaimed before the hash was first asked for
   *     ({@code "weak object has gone away"})
   */
  @Override
  public int hashCode() {
    long h = hash;
    if ((h & HASH_KNOWN) == 0) {
      Object referent = referent();
      if (referent == null) {
        throw new IllegalStateException("weak object has gone away");
      }
      h = (h & ~HASH_BITS) | HASH_KNOWN | (valueHash(referent) & 0xFFFF_FFFFL);
      hash = h;
    }
    return (int) h;
  }

  /**
   * Compares referents while both are alive, identity otherwise.
   *
   * <p>Python: {@code r1 == r2}.
   *
   * @param obj another object
   * @return {@code true} if {@code obj} is this reference, or a {@code WeakRef} whose referent and
   *     this one's are both alive and {@code equals}
   */
  @Override
  public boolean equals(@Nullable Object obj) {
    if (this == obj) {
      return true;
    }
    if (!(obj instanceof WeakRef<?> other)) {
      return false;
    }
    Object mine = get();
    Object theirs = other.get();
    return mine != null && theirs != null && mine.equals(theirs);
  }

  /**
   * Returns {@code <weakref at 0x…; to 'pkg.Class' at 0x…>} while the referent lives, and
   * {@code <weakref at 0x…; dead>} after. The hexadecimal numbers are identity hash codes, the JVM's
   * stand-in for addresses.
   *
   * <p>Python: {@code repr(r)}.
   */
  @Override
  public String toString() {
    return Reprs.of("weakref", this, "to", referent());
  }

  /**
   * Unsupported: a {@code WeakRef} is cleared only by the garbage collector, as in Python.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void clear() {
    throw new UnsupportedOperationException("weak references are cleared only by the garbage collector");
  }

  /**
   * Unsupported: a {@code WeakRef} is enqueued only by the garbage collector, as in Python.
   *
   * @return never
   * @throws UnsupportedOperationException always
   */
  @Override
  public boolean enqueue() {
    throw new UnsupportedOperationException("weak references are enqueued only by the garbage collector");
  }
}
