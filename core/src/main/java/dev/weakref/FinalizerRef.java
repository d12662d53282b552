package dev.weakref;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.AbstractFinalizer;
import dev.weakref.internal.Captures;
import dev.weakref.internal.FinalizerExitHook;
import dev.weakref.internal.LiveFinalizers;
import dev.weakref.internal.Referents;
import dev.weakref.internal.Reprs;
import dev.weakref.internal.VarHandles;
import dev.weakref.internal.engine.ReclaimEvents;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one implementation of {@link Finalizer}, and its run-once state machine: a finalizer is
 * itself the engine reference that watches its object (one object of 40 bytes per registration, as
 * the JDK's {@code PhantomCleanable} is one), kept alive by the registry of live finalizers
 * ({@link LiveFinalizers}), and run once by whoever wins the CAS of its {@code fn} field: a call,
 * the engine after reclamation, or the exit hook ({@link FinalizerExitHook}). Hidden behind the
 * interface so that {@code get()}, {@code clear()} and {@code enqueue()} are not part of the API.
 *
 * @param <R> what the function returns
 */
final class FinalizerRef<R extends @Nullable Object> extends AbstractFinalizer
    implements Finalizer<R> {

  private static final byte RUNNABLE = 0;
  private static final byte CALLABLE = 1;
  private static final byte FUNCTION = 2;
  private static final byte CONSUMER = 3;
  private static final byte BI_CONSUMER = 4;
  private static final Object[] NO_ARGS = {};

  /*
   * A finalizer is one object, as the JDK's PhantomCleanable is: it is itself the engine reference
   * that watches the object, and its one volatile field `fn` is both its state and its function.
   * While alive, fn is what to run: the user's Runnable itself (the common case, no extra object)
   * or a Call holding the kind, the visible function, the invoked target and the arguments. Taking
   * the finalizer is one CAS of fn to the running thread (to run it) or DEAD (to detach it): the
   * one atomic step that decides who acts, whatever the mix of call(), reclamation, detach() and
   * exit. The winner holds the function in a local; the field no longer does, as Python drops them
   * when it pops the registry entry. A running finalizer's fn is the Thread running it, so that the
   * exit hook can tell a run that will end from one whose thread is itself exiting (a function
   * that called System.exit), and a Thread given as the function is wrapped in a Call.
   */
  private static final Object DEAD = new Object();
  private static final VarHandle FN = VarHandles.field(MethodHandles.lookup(), "fn", Object.class);

  /** The running Thread, DEAD, or the function while alive: a Runnable or a {@link Call}. */
  private volatile Object fn;
  private volatile boolean atExit = true;

  private FinalizerRef(Object obj, Object fn) {
    super(obj);
    this.fn = fn;
  }

  static Finalizer<Void> of(Object obj, Runnable func) {
    // A Thread in fn would read as running (see fn): wrap it, as any function but a plain Runnable.
    Object fn = func instanceof Thread ? new Call(RUNNABLE, func, func, NO_ARGS) : func;
    return create(obj, func, fn, NO_ARGS);
  }

  static <R extends @Nullable Object> Finalizer<R> of(Object obj, Callable<R> func) {
    return create(obj, func, new Call(CALLABLE, func, func, NO_ARGS), NO_ARGS);
  }

  static <R extends @Nullable Object> Finalizer<R> of(
      Object obj, Function<Object[], R> func, @Nullable Object... args) {
    Object[] copy = args.clone();
    return create(obj, func, new Call(FUNCTION, func, func, copy), copy);
  }

  static <A extends @Nullable Object> Finalizer<Void> of(
      Object obj, Consumer<? super A> func, A arg) {
    Object[] args = {arg};
    return create(obj, func, new Call(CONSUMER, func, func, args), args);
  }

  static <A extends @Nullable Object, B extends @Nullable Object> Finalizer<Void> of(
      Object obj, BiConsumer<? super A, ? super B> func, A arg1, B arg2) {
    Object[] args = {arg1, arg2};
    return create(obj, func, new Call(BI_CONSUMER, func, func, args), args);
  }

  /**
   * Creates a finalizer whose visible function is {@code func} and which invokes {@code target}, a
   * {@link Callable}: for the Kotlin facade, which adapts a Kotlin function but shows and checks the
   * function itself.
   */
  static <R extends @Nullable Object> Finalizer<R> ofAdapted(
      Object obj, Object func, Callable<R> target) {
    return create(obj, func, new Call(CALLABLE, func, target, NO_ARGS), NO_ARGS);
  }

  /** {@code fn}: {@code func} itself for a Runnable, else a {@link Call} (null-checked first). */
  private static <R extends @Nullable Object> Finalizer<R> create(
      Object obj, @Nullable Object func, @Nullable Object fn, Object[] args) {
    Referents.requireReferenceable(obj);
    Objects.requireNonNull(func, "finalizer function is null");
    Captures.requireNotHeldByFinalizer(obj, func, args);
    FinalizerRef<R> f = new FinalizerRef<>(obj, Objects.requireNonNull(fn));
    LiveFinalizers.add(f); // registers the exit hook if it is not

    // The object must outlive the linking: reclaimed before, the finalizer could fire unlinked.
    Reference.reachabilityFence(obj);
    return f;
  }

  @Override
  public @Nullable R call() {
    Object f = take(Thread.currentThread());
    if (f == null) {
      return null;
    }
    Object event = ReclaimEvents.listening() ? ReclaimEvents.finalizerCalling(super.get()) : null;
    super.clear(); // the object may live on: the collector and engine need not tell us any more
    if (FinalizerExitHook.finished()) {
      finished();
      return null; // nothing runs after the exit hook finished: Python's _shutdown
    }
    try {
      return invoke(f);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new UndeclaredThrowableException(e, "finalizer function threw " + e);
    } finally {
      finished();
      ReclaimEvents.finalizerCalled(event);
    }
  }

  @Override
  public @Nullable Info detach() {
    Object obj = super.get();
    if (obj == null) {
      return null;
    }
    Object f = take(DEAD);
    if (f == null) {
      return null;
    }
    super.clear();
    LiveFinalizers.remove(this);
    return info(obj, f);
  }

  @Override
  public @Nullable Info peek() {
    Object obj = super.get();
    if (obj == null) {
      return null;
    }
    Object f = fn; // one read: the function, or a sign that it is dead
    return isTaken(f) ? null : info(obj, f);
  }

  @Override
  public boolean isAlive() {
    return !isTaken(fn);
  }

  @Override
  public boolean atExit() {
    return atExit;
  }

  @Override
  public void setAtExit(boolean value) {
    if (isAlive()) {
      atExit = value;
    }
  }

  /**
   * Returns the object while it and this finalizer are alive, else {@code null}: the {@code obj} of
   * {@link #peek()}.
   *
   * <p>Not part of the API ({@link Finalizer} has no {@code get()}); defined so that a caller who
   * casts to {@code Reference} sees the object only while the finalizer is alive.
   *
   * @return the object, or {@code null}
   */
  @Override
  public @Nullable Object get() {
    Object obj = super.get();
    return obj != null && isAlive() ? obj : null;
  }

  /**
   * Unsupported: a finalizer lets go of its object when it runs or by {@link #detach()}.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void clear() {
    throw new UnsupportedOperationException(
        "a finalizer is not cleared: use detach() to cancel it or call() to run it now");
  }

  /**
   * Unsupported: a finalizer runs by {@link #call()}, not by being enqueued.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public boolean enqueue() {
    throw new UnsupportedOperationException(
        "a finalizer is not enqueued: use call() to run it now");
  }

  /**
   * Returns {@code <finalize object at 0x…; for 'pkg.Class' at 0x…>} while the finalizer and its
   * object are alive, or {@code <finalize object at 0x…; dead>}, as Python's {@code repr} does (the
   * hex numbers are identity hash codes).
   *
   * @return a description naming the object's class
   */
  @Override
  public String toString() {
    return Reprs.of("finalize object", this, "for", get());
  }

  /* ---- Running: the one atomic step, then the function ---- */

  /**
   * What a finalizer runs when its function is not a plain {@link Runnable}: the kind, the function
   * that {@code peek} shows, the one invoked (the Kotlin facade's adapter, else the same) and the
   * arguments.
   */
  private static final class Call {
    final byte kind;
    final Object func;
    final Object target;
    final Object[] args;

    Call(byte kind, Object func, Object target, Object[] args) {
      this.kind = kind;
      this.func = func;
      this.target = target;
      this.args = args;
    }
  }

  /** Whether a value of {@code fn} says the finalizer was taken: running (a Thread) or dead. */
  private static boolean isTaken(Object f) {
    return f == DEAD || f instanceof Thread;
  }

  /**
   * Takes this finalizer, marking it dead ({@code to}: the current thread, to run it, or
   * {@link #DEAD}): the one atomic step. Returns the function if this thread won and should now run
   * or detach it, else {@code null}.
   */
  private @Nullable Object take(Object to) {
    for (;;) {
      Object f = fn;
      if (isTaken(f)) {
        return null;
      }
      if (FN.compareAndSet(this, f, to)) {
        return f;
      }
      // fn only ever leaves its function value for a thread or DEAD: the next read decides.
    }
  }

  /** After a run (or a run refused at exit): dead, out of the registry, the exit hook told. */
  private void finished() {
    LiveFinalizers.finished(this);
  }

  /** Called by {@link LiveFinalizers#finished} under the lock the exit hook reads {@code fn} under. */
  @Override
  protected void markDead() {
    FN.setRelease(this, DEAD);
  }

  @Override
  protected @Nullable Thread runner() {
    return fn instanceof Thread t ? t : null;
  }

  @SuppressWarnings("unchecked")
  private @Nullable R invoke(Object f) throws Exception {
    if (!(f instanceof Call)) {
      ((Runnable) f).run();
      return null;
    }
    Call c = (Call) f;
    if (c.kind == RUNNABLE) {
      ((Runnable) c.target).run();
      return null;
    }
    if (c.kind == CALLABLE) {
      return ((Callable<R>) c.target).call();
    }
    if (c.kind == CONSUMER) {
      ((Consumer<@Nullable Object>) c.target).accept(c.args[0]);
      return null;
    }
    if (c.kind == BI_CONSUMER) {
      ((BiConsumer<@Nullable Object, @Nullable Object>) c.target).accept(c.args[0], c.args[1]);
      return null;
    }
    return ((Function<Object[], R>) c.target).apply(c.args);
  }

  private static Info info(Object obj, Object f) {
    if (f instanceof Call) {
      Call c = (Call) f;
      return new Info(obj, c.func, argsList(c.args));
    }
    return new Info(obj, f, List.of());
  }

  /**
   * Runs on the engine thread once the object was reclaimed: runs the function unless the
   * finalizer is already dead. Not for callers.
   */
  @Override
  protected void reclaimed() {
    runUnraisable();
  }

  private static List<@Nullable Object> argsList(Object[] a) {
    return a.length == 0 ? List.of() : Collections.unmodifiableList(Arrays.asList(a.clone()));
  }

  /** Runs the function if this thread wins it, reporting what it throws: reclamation and exit. */
  @Override
  protected void runUnraisable() {
    Object f = take(Thread.currentThread());
    if (f == null) {
      return;
    }
    if (FinalizerExitHook.finished()) {
      // Read after the CAS, so the exit hook either sees this run as running (and waits for it) or
      // has finished and no function may run any more: Python's _shutdown.
      finished();
      return;
    }
    runningCallback(f instanceof Call c ? c.func : f); // names it if it runs long on the engine
    try {
      invoke(f);
    } catch (Throwable t) {
      Reclaimer.reportUnraisable(t, this);
    } finally {
      finished();
      if (ReclaimEvents.listening()) {
        ReclaimEvents.finalizerRan(super.get()); // null after reclamation; the object at exit
      }
    }
  }
}
