package dev.weakref;

import dev.weakref.engine.EngineReference;
import dev.weakref.engine.Reclaimer;
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
 * A cleanup function that runs once, after an object is reclaimed, at JVM exit, or when called,
 * whichever comes first.
 *
 * <p>Python: {@code weakref.finalize}. Like {@link java.lang.ref.Cleaner}, a finalizer lets you
 * release what an object owned (a file, a temporary directory, native memory) without keeping the
 * object alive. Unlike {@code Cleaner}, you can also run it early ({@link #call()}), cancel it
 * ({@link #detach()}), look at it ({@link #peek()}, {@link #isAlive()}), and have it run when the JVM
 * exits ({@link #atExit()}, on by default).
 *
 * <p><b>Lifetime.</b> A finalizer stays alive, with nobody holding it, until it has run or been
 * detached: you may drop the value {@code of} returns. It is <i>alive</i> until then and <i>dead</i>
 * after. The function runs at most once, whatever the mix of {@link #call()} calls, reclamation,
 * {@link #detach()} and JVM exit, also when they race on different threads.
 *
 * <p><b>Threads and exceptions.</b> After the object is reclaimed the function runs on the engine
 * thread {@code weakref-reclaimer} (see {@link Reclaimer}); what it throws goes to the
 * {@linkplain Reclaimer#setUnraisableHook unraisable hook}. {@link #call()} runs it on the calling
 * thread and lets its exceptions through. At exit it runs on the shutdown hook thread
 * {@code weakref-atexit}, and exceptions go to the unraisable hook. {@link Reclaimer#collect()}
 * waits for the functions of the objects it reclaimed.
 *
 * <p><b>Not a counted reference.</b> A finalizer is itself one of the engine's cheap
 * {@link EngineReference}s, as the weak containers' entries are, not a tracked {@code WeakRef}: it
 * is not counted by {@link Reclaimer#weakRefCount} (CPython counts the {@code ref} its
 * {@code finalize} owns), and its function runs in no particular order relative to the callbacks
 * of the object's {@code WeakRef}s. That makes a registration one object of 40 bytes (a
 * {@link java.lang.ref.Cleaner}'s is 48), and keeps registration and reclamation as cheap as
 * {@code Cleaner}'s. So a finalizer is a {@link java.lang.ref.WeakReference}: {@link #get()} returns
 * the object while the finalizer is alive, and {@link #clear()} and {@link #enqueue()} are
 * unsupported.
 *
 * <p><b>At exit.</b> One shutdown hook, registered when the first finalizer is made, runs every live
 * finalizer whose {@link #atExit()} is true, newest first, and goes on selecting until none is left,
 * so finalizers created by an at-exit function run too. When it has finished, no finalizer function
 * runs any more: {@link #call()} and reclamation then only mark finalizers dead. Before finishing, the
 * hook waits (at most 5 seconds) for functions that other threads were running when the exit
 * began, so that each of them completes before the JVM halts.
 *
 * <p>Memory consistency effects: actions in a thread before it calls {@code of}
 * <i>happen-before</i> the function runs, on whichever thread.
 *
 * <p><b>Warning:</b> the function and its arguments must not hold the object: that keeps the object
 * alive for good, and the function never runs before exit. {@code of} refuses, with an
 * {@link IllegalArgumentException} naming the field, a function that directly captured the object (a
 * lambda, an anonymous or inner class, its enclosing instance included) and an argument that is the
 * object. It cannot see indirect references: a captured object that in turn holds the object.
 * <pre>{@code
 * class TempDir {
 *   final Path path = Files.createTempDirectory("tmp");
 *   final Finalizer<Void> finalizer;
 *
 *   TempDir() throws IOException {
 *     Path p = path;                                       // capture the path, not this
 *     finalizer = Finalizer.of(this, () -> deleteTree(p)); // fine
 *     // Finalizer.of(this, () -> deleteTree(path));      // refused: captures this
 *   }
 *
 *   void remove() { finalizer.call(); }                      // runs it now, at most once
 * }
 * }</pre>
 *
 * @param <R> what the function returns ({@code Void} for a {@link Runnable})
 */
public final class Finalizer<R extends @Nullable Object> extends EngineReference<Object> {

  /** How long the exit hook waits for functions already running on other threads. */
  static final int EXIT_WAIT_SECONDS = 5;

  private static final byte CALLABLE = 1;
  private static final byte FUNCTION = 2;
  private static final Object[] NO_ARGS = {};

  /*
   * A finalizer is one object, as the JDK's PhantomCleanable is: it is itself the engine reference
   * that watches the object, and its one volatile field `fn` is both its state and its function.
   * While alive, fn is what to run: the user's Runnable itself (the common case, no extra object)
   * or a Call holding the kind, the visible function, the invoked target and the arguments. Taking
   * the finalizer is one CAS of fn to RUNNING (to run it) or DEAD (to detach it): the one atomic
   * step that decides who acts, whatever the mix of call(), reclamation, detach() and exit. The
   * winner holds the function in a local; the field no longer does, as Python drops them when it
   * pops the registry entry.
   */
  private static final Object RUNNING = new Object();
  private static final Object DEAD = new Object();
  private static final VarHandle FN;

  static {
    try {
      FN = MethodHandles.lookup().findVarHandle(Finalizer.class, "fn", Object.class);
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
   * are merged with a neighbour, in order (see unlinkLocked).
   */
  private static final int CHUNK_SIZE = 128;
  private static final Object LOCK = new Object();
  private static @Nullable Chunk newest; // guarded by LOCK
  private static long registrations; // guarded by LOCK; tells the exit loop to select again
  private static volatile boolean exitStarted;
  private static volatile boolean exitFinished; // written under LOCK: no function runs any more
  private static final CountDownLatch EXIT_DONE = new CountDownLatch(1);

  /** RUNNING, DEAD, or the function while alive: a Runnable or a {@link Call}. */
  private volatile Object fn;
  private @Nullable Chunk chunk; // guarded by LOCK; null once out of the registry
  private short index; // guarded by LOCK: the slot in chunk
  private volatile boolean atExit = true;

  private Finalizer(Object obj, Object fn) {
    super(obj);
    this.fn = fn;
  }

  /**
   * Returns a new alive finalizer that runs {@code func} once, after {@code obj} is reclaimed, at
   * exit, or when called.
   *
   * <p>Python: {@code weakref.finalize(obj, func)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @return the finalizer; it stays alive even if the caller drops it
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class such as
   *     {@code Integer}, or if {@code func} holds {@code obj} in one of its fields (the message names
   *     the field) or is {@code obj}
   */
  public static Finalizer<Void> of(Object obj, Runnable func) {
    return create(obj, func, func, NO_ARGS);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} once, after {@code obj} is reclaimed, at
   * exit, or when {@linkplain #call() called}, which then returns its result.
   *
   * <p>Python: {@code weakref.finalize(obj, func)}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer; it stays alive even if the caller drops it
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, or if
   *     {@code func} holds {@code obj} in one of its fields (the message names the field) or is
   *     {@code obj}
   */
  public static <R extends @Nullable Object> Finalizer<R> of(Object obj, Callable<R> func) {
    return create(obj, func, new Call(CALLABLE, func, func, NO_ARGS), NO_ARGS);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code args} once, after {@code obj}
   * is reclaimed, at exit, or when {@linkplain #call() called}, which then returns its result.
   *
   * <p>Python: {@code weakref.finalize(obj, func, *args)}. The function receives a copy of
   * {@code args} taken now (keyword arguments have no Java counterpart: pass a map as an argument).
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param args the arguments passed to {@code func}, none of which may be {@code obj}
   * @param <R> what {@code func} returns
   * @return the finalizer; it stays alive even if the caller drops it
   * @throws NullPointerException if {@code obj}, {@code func} or the {@code args} array is
   *     {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} in one of its fields (the message names the field) or is {@code obj}, or if
   *     an argument is {@code obj} (the message gives its index)
   */
  public static <R extends @Nullable Object> Finalizer<R> of(
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
    Finalizer<R> f = new Finalizer<>(obj, Objects.requireNonNull(fn));
    ExitHook.ensureRegistered();
    synchronized (LOCK) {
      Chunk c = newest;
      if (c == null || c.used == CHUNK_SIZE) {
        if (c != null && c.live == 0) {
          c.used = 0; // every slot is empty again: reuse the chunk
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

  /**
   * Runs the function now, if this finalizer is alive, and returns its result; the finalizer is
   * dead afterwards.
   *
   * <p>Python: {@code f()}. The function runs on the calling thread. What it throws is thrown here,
   * and the finalizer stays dead; a checked exception from a {@link Callable} or a sneaky throw is
   * wrapped in an {@link UndeclaredThrowableException} whose cause it is.
   *
   * @return what the function returned ({@code null} for a {@link Runnable}), or {@code null} if the
   *     finalizer was already dead (it ran, was detached, or the exit run has finished)
   * @throws UndeclaredThrowableException if the function threw a checked exception
   */
  public @Nullable R call() {
    Object f = take(RUNNING);
    if (f == null) {
      return null;
    }
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
    }
  }

  /**
   * Marks this finalizer dead without running it and returns what it held, if it and its object are
   * alive.
   *
   * <p>Python: {@code f.detach()}.
   *
   * @return the object, function and arguments, or {@code null} if the finalizer is dead or its object
   *     is already gone (nothing is changed then)
   */
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

  /**
   * Returns what this finalizer holds, if it and its object are alive, without changing anything.
   *
   * <p>Python: {@code f.peek()}.
   *
   * @return the object, function and arguments, or {@code null} if the finalizer is dead or its object
   *     is gone
   */
  public @Nullable Info peek() {
    Object obj = super.get();
    if (obj == null) {
      return null;
    }
    Object f = fn; // one read: the function, or a sign that it is dead
    return f == RUNNING || f == DEAD ? null : info(obj, f);
  }

  /**
   * Returns whether this finalizer is alive: it has not run, been called, or been detached.
   *
   * <p>Python: {@code f.alive}.
   *
   * @return {@code true} until the function runs or the finalizer is detached
   */
  public boolean isAlive() {
    Object f = fn;
    return f != RUNNING && f != DEAD;
  }

  /**
   * Returns whether the function will run at JVM exit if the finalizer is still alive then;
   * {@code true} unless set otherwise.
   *
   * <p>Python: {@code f.atexit}.
   *
   * @return whether this finalizer runs at exit
   */
  public boolean atExit() {
    return atExit;
  }

  /**
   * Sets whether the function runs at JVM exit if the finalizer is still alive then. Has no effect
   * on a dead finalizer.
   *
   * <p>Python: {@code f.atexit = value}.
   *
   * @param value {@code true} to run at exit, {@code false} to leave it to reclamation or a call
   */
  public void setAtExit(boolean value) {
    if (isAlive()) {
      atExit = value;
    }
  }

  /**
   * Returns the object while it and this finalizer are alive, else {@code null}: the {@code obj} of
   * {@link #peek()}.
   *
   * <p>Python: none ({@code f.peek()[0]}). A finalizer is a {@link java.lang.ref.WeakReference}
   * only so that it costs one object, as a {@code Cleaner}'s registration does.
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

  /**
   * What a finalizer holds: Python's {@code (obj, func, args, kwargs)} tuple from {@code peek()} and
   * {@code detach()}.
   *
   * @param obj the object the finalizer watches
   * @param func the very function object passed to {@code of}
   * @param args the arguments (an unmodifiable list; empty for a {@link Runnable} or {@link Callable})
   */
  public record Info(Object obj, Object func, List<@Nullable Object> args) {
    /**
     * Creates the record.
     *
     * @param obj the object the finalizer watches
     * @param func the function object
     * @param args the arguments
     * @throws NullPointerException if any of them is {@code null}
     */
    public Info {
      Objects.requireNonNull(obj, "obj");
      Objects.requireNonNull(func, "func");
      Objects.requireNonNull(args, "args");
    }
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
    final Finalizer<?>[] slots = new Finalizer<?>[CHUNK_SIZE];
    int used; // slots [0, used) have been filled, some emptied since
    int live; // slots holding a finalizer
    @Nullable Chunk older;
    @Nullable Chunk newer;

    Chunk(@Nullable Chunk older) {
      this.older = older;
    }
  }

  /**
   * Takes this finalizer, marking it dead ({@code to}: {@link #RUNNING} or {@link #DEAD}): the one
   * atomic step. Returns the function if this thread won and should now run ({@code RUNNING}) or
   * detach it, else {@code null}.
   */
  private @Nullable Object take(Object to) {
    for (;;) {
      Object f = fn;
      if (f == RUNNING || f == DEAD) {
        return null;
      }
      if (FN.compareAndSet(this, f, to)) {
        return f;
      }
      // fn only ever leaves its function value for RUNNING or DEAD: the next read decides.
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
   * among many short-lived ones do not each pin a whole chunk (the newest chunk is left alone).
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

  /** Moves the finalizers of {@code newer} after those of {@code older}, in order; frees newer. */
  private static void mergeLocked(Chunk older, Chunk newer) {
    int j = 0;
    for (int i = 0; i < older.used; i++) {
      Finalizer<?> x = older.slots[i];
      if (x != null) {
        older.slots[i] = null;
        older.slots[j] = x;
        x.index = (short) j++;
      }
    }
    for (int i = 0; i < newer.used; i++) {
      Finalizer<?> x = newer.slots[i];
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
          Finalizer<?> x = c.slots[i];
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

  /** The body of the shutdown hook: CPython's {@code finalize._exitfunc}. */
  static void runAtExit() {
    try {
      long seen = -1;
      List<Finalizer<?>> pending = new ArrayList<>();
      int next = 0;
      exitStarted = true;
      for (;;) {
        Finalizer<?> f = null;
        synchronized (LOCK) {
          if (seen != registrations) {
            // Select again, newest first: a function that ran may have created finalizers.
            seen = registrations;
            pending.clear();
            next = 0;
            for (Chunk c = newest; c != null; c = c.older) {
              for (int i = c.used - 1; i >= 0; i--) {
                Finalizer<?> x = c.slots[i];
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
    Object f = take(RUNNING);
    if (f == null) {
      return;
    }
    if (exitFinished) {
      // Read after the CAS, so the exit hook either sees this run as RUNNING (and waits for it) or
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
    }
  }

  /**
   * Lets functions that other threads began before the exit run finished complete. Once
   * {@code exitFinished} is set, no function starts any more: the ones to wait for are those whose
   * finalizer is {@code RUNNING} now, and each signals when it is done.
   */
  private static void awaitInFlight() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_WAIT_SECONDS);
    synchronized (LOCK) {
      List<Finalizer<?>> running = new ArrayList<>();
      for (Chunk c = newest; c != null; c = c.older) {
        for (int i = 0; i < c.used; i++) {
          Finalizer<?> x = c.slots[i];
          if (x != null && x.fn == RUNNING) {
            running.add(x);
          }
        }
      }
      long left;
      while (!running.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
        running.removeIf(x -> x.fn != RUNNING);
        if (running.isEmpty()) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(LOCK, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
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
              new Thread(group, Finalizer::runAtExit, "weakref-atexit", 0, false));
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
