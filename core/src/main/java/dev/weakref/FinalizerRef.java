package dev.weakref;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.engine.EngineReference;
import dev.weakref.internal.engine.ReclaimEvents;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one implementation of {@link Finalizer}: a finalizer is itself the engine reference that
 * watches its object (one object of 40 bytes per registration, as the JDK's
 * {@code PhantomCleanable} is one), kept alive by the registry of live finalizers below, and run
 * once by whoever wins the CAS of its {@code fn} field: a call, the engine after reclamation, or
 * the exit hook. Hidden behind the interface so that {@code get()}, {@code clear()} and
 * {@code enqueue()} are not part of the API.
 *
 * @param <R> what the function returns
 */
final class FinalizerRef<R extends @Nullable Object> extends EngineReference<Object>
    implements Finalizer<R> {

  /** How long the exit hook waits for functions already running on other threads. */
  static final int EXIT_WAIT_SECONDS = 5;

  private static final byte RUNNABLE = 0;
  private static final byte CALLABLE = 1;
  private static final byte FUNCTION = 2;
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
  private static final VarHandle FN;

  static {
    try {
      FN = MethodHandles.lookup().findVarHandle(FinalizerRef.class, "fn", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /*
   * The registry of live finalizers, guarded by LOCK: chunks of slots, newest chunk first, slots
   * filled in registration order, so walking chunks newest first and each chunk's slots downwards is
   * newest first. Being in a slot is what keeps a finalizer (a Reference, which the collector
   * processes only while it is reachable) alive. A finalizer stays in its slot until its function
   * has finished, so the exit hook finds the ones other threads are running and waits for them,
   * without a counter paid by every run. A slot costs 4 bytes against the 8 of a doubly linked
   * list's two fields, which keeps a finalizer at 40 bytes (a PhantomCleanable is 48). Sparse chunks
   * are merged with a neighbour, in order (see unlinkLocked), and a newest chunk that fills up at
   * most half live is compacted in place (see create).
   */
  private static final int CHUNK_SIZE = 128;
  private static final Object LOCK = new Object();
  private static @Nullable Chunk newest; // guarded by LOCK
  private static long registrations; // guarded by LOCK; tells the exit loop to select again
  private static volatile boolean exitStarted;
  private static volatile boolean exitFinished; // written under LOCK: no function runs any more
  private static final CountDownLatch EXIT_DONE = new CountDownLatch(1);
  /** How often the exit hook looks again at the threads it waits for; see awaitInFlight. */
  private static final long EXIT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static volatile boolean inFlightWaitTimedOut;

  /** The running Thread, DEAD, or the function while alive: a Runnable or a {@link Call}. */
  private volatile Object fn;
  private @Nullable Chunk chunk; // guarded by LOCK; null once out of the registry
  private short index; // guarded by LOCK: the slot in chunk
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
    CaptureCheck.requireNotHeld(obj, func, args);
    FinalizerRef<R> f = new FinalizerRef<>(obj, Objects.requireNonNull(fn));
    ExitHook.ensureRegistered();
    synchronized (LOCK) {
      Chunk c = newest;
      if (c == null || c.used == CHUNK_SIZE) {
        if (c != null && c.live <= CHUNK_SIZE / 2) {
          compactLocked(c); // at most half of it is live: slide those down and reuse the rest
        } else {
          Chunk n = new Chunk(c);
          if (c != null) {
            c.newer = n;
          }
          newest = c = n;
        }
      }
      int i = c.used++;
      c.slots[i] = f;
      c.live++;
      f.chunk = c;
      f.index = (short) i;
      registrations++;
    }
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
    if (exitFinished) {
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
    synchronized (LOCK) {
      unlinkLocked();
    }
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

  /** A block of registry slots; see the registry comment. All fields guarded by LOCK. */
  private static final class Chunk {
    final FinalizerRef<?>[] slots = new FinalizerRef<?>[CHUNK_SIZE];
    int used; // slots [0, used) have been filled, some emptied since
    int live; // slots holding a finalizer
    @Nullable Chunk older;
    @Nullable Chunk newer;

    Chunk(@Nullable Chunk older) {
      this.older = older;
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
    synchronized (LOCK) {
      FN.setRelease(this, DEAD); // the exit hook reads it under LOCK
      unlinkLocked();
      if (exitStarted) {
        LOCK.notifyAll(); // the exit hook may be waiting for this run
      }
    }
  }

  /**
   * Empties this finalizer's slot. A chunk left empty is freed; one left sparse is merged with a
   * neighbour when the two hold at most half a chunk together, so that a few long-lived finalizers
   * among many short-lived ones do not each pin a whole chunk (the newest chunk is left alone until
   * it fills: then create compacts it).
   */
  private void unlinkLocked() {
    Chunk c = chunk;
    if (c == null) {
      return;
    }
    chunk = null;
    c.slots[index] = null;
    c.live--;
    if (c == newest) {
      return;
    }
    Chunk n = Objects.requireNonNull(c.newer); // c is not the newest
    Chunk o = c.older;
    if (c.live == 0) {
      removeChunkLocked(c);
    } else if (o != null && o.live + c.live <= CHUNK_SIZE / 2) {
      mergeLocked(o, c);
    } else if (n != newest && n.live + c.live <= CHUNK_SIZE / 2) {
      mergeLocked(c, n);
    }
  }

  /**
   * Moves a chunk's finalizers to its first slots, in order, so that the rest can be filled again:
   * for the newest chunk, which unlinkLocked leaves alone, when it fills up with most of its
   * finalizers already gone (else a long-lived finalizer among short-lived ones that end while
   * their chunk is newest would pin a chunk each).
   */
  private static void compactLocked(Chunk c) {
    int j = 0;
    for (int i = 0; i < c.used; i++) {
      FinalizerRef<?> x = c.slots[i];
      if (x != null) {
        c.slots[i] = null;
        c.slots[j] = x;
        x.index = (short) j++;
      }
    }
    c.used = j;
  }

  /** Moves the finalizers of {@code newer} after those of {@code older}, in order; frees newer. */
  private static void mergeLocked(Chunk older, Chunk newer) {
    compactLocked(older);
    int j = older.used;
    for (int i = 0; i < newer.used; i++) {
      FinalizerRef<?> x = newer.slots[i];
      if (x != null) {
        older.slots[j] = x;
        x.chunk = older;
        x.index = (short) j++;
      }
    }
    older.used = j;
    older.live = j;
    removeChunkLocked(newer);
  }

  /** Unlinks a chunk other than the newest from the chunk list. */
  private static void removeChunkLocked(Chunk c) {
    Chunk o = c.older;
    Chunk n = Objects.requireNonNull(c.newer);
    n.older = o;
    if (o != null) {
      o.newer = n;
    }
    c.older = null;
    c.newer = null;
  }

  /** For tests: the live finalizers, newest first, and the number of chunks holding them. */
  static List<Finalizer<?>> registered(int[] chunks) {
    List<Finalizer<?>> out = new ArrayList<>();
    synchronized (LOCK) {
      int n = 0;
      for (Chunk c = newest; c != null; c = c.older) {
        n++;
        for (int i = c.used - 1; i >= 0; i--) {
          FinalizerRef<?> x = c.slots[i];
          if (x != null) {
            out.add(x);
          }
        }
      }
      chunks[0] = n;
    }
    return out;
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

  /* ---- At exit ---- */

  /**
   * The body of the shutdown hook: CPython's {@code finalize._exitfunc}. Keep its name: the
   * coroutines module's launchFinalizer tells an exit run by this frame.
   */
  static void runAtExit() {
    try {
      long seen = -1;
      List<FinalizerRef<?>> pending = new ArrayList<>();
      int next = 0;
      exitStarted = true;
      for (;;) {
        FinalizerRef<?> f = null;
        synchronized (LOCK) {
          if (seen != registrations) {
            // Select again, newest first: a function that ran may have created finalizers.
            seen = registrations;
            pending.clear();
            next = 0;
            for (Chunk c = newest; c != null; c = c.older) {
              for (int i = c.used - 1; i >= 0; i--) {
                FinalizerRef<?> x = c.slots[i];
                if (x != null && x.atExit && x.isAlive()) {
                  pending.add(x);
                }
              }
            }
          }
          if (next == pending.size()) {
            exitFinished = true; // decided under the same lock as the last selection
            break;
          }
          f = pending.get(next++);
        }
        if (f.atExit) {
          f.runUnraisable();
        }
      }
      awaitInFlight();
    } finally {
      EXIT_DONE.countDown();
    }
  }

  /** Runs the function if this thread wins it, reporting what it throws: reclamation and exit. */
  private void runUnraisable() {
    Object f = take(Thread.currentThread());
    if (f == null) {
      return;
    }
    if (exitFinished) {
      // Read after the CAS, so the exit hook either sees this run as running (and waits for it) or
      // has finished and no function may run any more: Python's _shutdown.
      finished();
      return;
    }
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

  /**
   * Lets functions that other threads began before the exit run finished complete. Once
   * {@code exitFinished} is set, no function starts any more: the ones to wait for are those whose
   * finalizer is running now (its {@code fn} is the running thread), and each signals when it is
   * done. A run whose thread is itself exiting is not waited for: a function that called
   * {@code System.exit} (on the engine thread after reclamation, or on a caller's thread through
   * {@code call()}) never returns, since that thread waits for the shutdown hooks, this one among
   * them; waiting for it would only delay the exit by the full {@link #EXIT_WAIT_SECONDS}. Its
   * thread is looked for among the threads inside {@code Runtime.exit}, also one that enters it
   * while we wait (it then blocks for good behind the exit under way).
   */
  private static void awaitInFlight() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_WAIT_SECONDS);
    synchronized (LOCK) {
      List<FinalizerRef<?>> running = new ArrayList<>();
      for (Chunk c = newest; c != null; c = c.older) {
        for (int i = 0; i < c.used; i++) {
          FinalizerRef<?> x = c.slots[i];
          if (x != null && x.fn instanceof Thread) {
            running.add(x);
          }
        }
      }
      for (;;) {
        running.removeIf(x -> !(x.fn instanceof Thread t) || ReclaimEvents.isExiting(t));
        if (running.isEmpty()) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          inFlightWaitTimedOut = true;
          return;
        }
        try {
          // Woken by each run that finishes; looks again now and then for a thread gone exiting.
          TimeUnit.NANOSECONDS.timedWait(LOCK, Math.min(left, EXIT_POLL_NANOS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** For tests: whether the exit hook gave up waiting for a function still running. */
  static boolean inFlightWaitTimedOut() {
    return inFlightWaitTimedOut;
  }

  /** For tests: waits until the exit hook has finished; returns whether it has. */
  static boolean awaitExitFinished(long millis) throws InterruptedException {
    return EXIT_DONE.await(millis, TimeUnit.MILLISECONDS);
  }

  /** Registers the one shutdown hook when first used: class initialization runs once. */
  private static final class ExitHook {
    static {
      // In the root thread group, as the engine thread: the caller's group may be destroyed before
      // exit (Maven's exec:java does that), and a hook thread in a destroyed group never starts.
      ThreadGroup group = Thread.currentThread().getThreadGroup();
      while (group.getParent() != null) {
        group = group.getParent();
      }
      Thread hook = newHookThread(group);
      hook.setContextClassLoader(null);
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already exiting: Python's atexit would not run a late registration either.
      }
    }

    private ExitHook() {}

    /** Created privileged, so it inherits no access-control context of application frames. */
    @SuppressWarnings("removal")
    private static Thread newHookThread(ThreadGroup group) {
      return java.security.AccessController.doPrivileged(
          (java.security.PrivilegedAction<Thread>) () ->
              new Thread(group, FinalizerRef::runAtExit, "weakref-atexit", 0, false));
    }

    static void ensureRegistered() {
      // Nothing: calling this initializes the class, which registers the hook once.
    }
  }

  /* ---- The capture check ---- */

  /** Refuses a function or argument that holds the object to finalize (see {@link Captures}). */
  static final class CaptureCheck {
    private CaptureCheck() {}

    static void requireNotHeld(Object obj, Object func, Object[] args) {
      if (func == obj) {
        throw new IllegalArgumentException("the finalizer function is the object to finalize "
            + "itself (" + obj.getClass().getName() + "): it could never be reclaimed");
      }
      Field f = Captures.fieldHolding(func, obj);
      if (f != null) {
        throw new IllegalArgumentException("the finalizer function " + func.getClass().getName()
            + " holds the object to finalize in its field " + Captures.describe(f)
            + ": the object could never be reclaimed, so the function would never "
            + "run before exit; capture only what the cleanup needs (not " + obj.getClass().getName()
            + " itself)");
      }
      for (int i = 0; i < args.length; i++) {
        if (args[i] == obj) {
          throw new IllegalArgumentException("finalizer argument " + i + " is the object to finalize ("
              + obj.getClass().getName() + "): the object could never be reclaimed");
        }
      }
    }
  }
}
