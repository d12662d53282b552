package dev.weakref;

import dev.weakref.engine.EngineReference;
import dev.weakref.engine.Reclaimer;
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
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p><b>Not a counted reference.</b> A finalizer watches its object through one of the engine's
 * cheap {@link EngineReference}s, as the weak containers do, not a tracked {@code WeakRef}: it is
 * not counted by {@link Reclaimer#weakRefCount} (CPython counts the {@code ref} its
 * {@code finalize} owns), and its function runs in no particular order relative to the callbacks
 * of the object's {@code WeakRef}s. That keeps registration and reclamation as cheap as
 * {@link java.lang.ref.Cleaner}'s.
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
public final class Finalizer<R extends @Nullable Object> {

  /** How long the exit hook waits for functions already running on other threads. */
  static final int EXIT_WAIT_SECONDS = 5;

  private static final byte RUNNABLE = 0;
  private static final byte CALLABLE = 1;
  private static final byte FUNCTION = 2;
  private static final Object[] NO_ARGS = {};

  /*
   * The registry of live finalizers is an intrusive doubly linked list, newest at the head, guarded
   * by LOCK, as the JDK's PhantomCleanable list is. Being on the list is what keeps a finalizer
   * alive and what "alive" means; taking a finalizer off the list under LOCK is the one atomic step
   * that decides who runs it (call, reclamation or exit) or whether it was detached: only the thread
   * whose removal succeeded acts.
   */
  private static final Object LOCK = new Object();
  private static @Nullable Finalizer<?> head; // guarded by LOCK
  private static long registrations; // guarded by LOCK; tells the exit loop to select again
  /** Functions running now, on any thread; the exit hook waits for them. */
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
  private static volatile boolean exitStarted;
  private static boolean exitFinished; // guarded by LOCK: no function runs any more
  private static final CountDownLatch EXIT_DONE = new CountDownLatch(1);

  private final Watch objRef;
  private final byte kind;
  /*
   * What the finalizer holds. Written at construction (published by the registry's lock), read by
   * peek() under that lock while alive, and read then dropped by the one thread that took the
   * finalizer off the registry, as Python drops them when it pops the registry entry.
   */
  private @Nullable Object func;
  private @Nullable Object target; // what is invoked: func, or the Kotlin facade's adapter
  private Object @Nullable [] args;
  private @Nullable Finalizer<?> prev; // guarded by LOCK
  private @Nullable Finalizer<?> next; // guarded by LOCK
  private volatile boolean alive = true;
  private volatile boolean atExit = true;

  private Finalizer(Object obj, Object func, Object target, byte kind, Object[] args) {
    this.objRef = new Watch(obj, this);
    this.func = func;
    this.target = target;
    this.kind = kind;
    this.args = args;
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
    return create(obj, func, func, RUNNABLE, NO_ARGS);
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
    return create(obj, func, func, CALLABLE, NO_ARGS);
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
    return create(obj, func, func, FUNCTION, args.clone());
  }

  /**
   * Creates a finalizer whose visible function is {@code func} and which invokes {@code target}, a
   * {@link Callable}: for the Kotlin facade, which adapts a Kotlin function but shows and checks the
   * function itself.
   */
  static <R extends @Nullable Object> Finalizer<R> ofAdapted(
      Object obj, Object func, Callable<R> target) {
    return create(obj, func, target, CALLABLE, NO_ARGS);
  }

  private static <R extends @Nullable Object> Finalizer<R> create(
      Object obj, Object func, Object target, byte kind, Object[] args) {
    Referents.requireReferenceable(obj);
    Objects.requireNonNull(func, "finalizer function is null");
    CaptureCheck.requireNotHeld(obj, func, args);
    Finalizer<R> f = new Finalizer<>(obj, func, target, kind, args);
    ExitHook.ensureRegistered();
    synchronized (LOCK) {
      Finalizer<?> h = head;
      f.next = h;
      if (h != null) {
        h.prev = f;
      }
      head = f;
      registrations++;
    }
    // The object must outlive the linking: reclaimed before, its Watch could fire unlinked.
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
    if (!take(true, true)) {
      return null;
    }
    try {
      return invoke();
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
    Object obj = objRef.get();
    if (obj == null) {
      return null;
    }
    if (!take(false, true)) {
      return null;
    }
    Info info = new Info(obj, Objects.requireNonNull(func), argsList(Objects.requireNonNull(args)));
    drop();
    return info;
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
    Object obj = objRef.get();
    if (obj == null) {
      return null;
    }
    synchronized (LOCK) {
      Object fn = func;
      Object[] a = args;
      if (!alive || fn == null || a == null) {
        return null;
      }
      return new Info(obj, fn, argsList(a));
    }
  }

  /**
   * Returns whether this finalizer is alive: it has not run, been called, or been detached.
   *
   * <p>Python: {@code f.alive}.
   *
   * @return {@code true} until the function runs or the finalizer is detached
   */
  public boolean isAlive() {
    return alive;
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
    if (alive) {
      atExit = value;
    }
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
    Object obj = objRef.get();
    return Reprs.of("finalize object", this, "for", alive ? obj : null);
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
   * Takes this finalizer off the registry, marking it dead: the one atomic step. Returns whether
   * this thread won and should now run the function ({@code forRun}) or detach it; the winner
   * then owns the fields and drops them when done. {@code clearRef}: the object may be alive, and
   * the collector and engine need not tell us about it any more (reclamation and exit skip this).
   */
  private boolean take(boolean forRun, boolean clearRef) {
    synchronized (LOCK) {
      if (!alive) {
        return false;
      }
      unlinkLocked();
      if (clearRef) {
        objRef.clear();
      }
      if (forRun) {
        if (exitFinished) {
          drop();
          return false; // nothing runs after the exit hook finished: Python's _shutdown
        }
        IN_FLIGHT.incrementAndGet();
      }
      return true;
    }
  }

  /** Lets go of the function and arguments; by the thread that won {@link #take}. */
  private void drop() {
    func = null;
    target = null;
    args = null;
  }

  private void unlinkLocked() {
    alive = false;
    Finalizer<?> p = prev;
    Finalizer<?> n = next;
    if (p == null) {
      head = n;
    } else {
      p.next = n;
    }
    if (n != null) {
      n.prev = p;
    }
    prev = null;
    next = null;
  }

  private void finished() {
    drop();
    // Lock-free on the hot path; the exit hook, once started, waits under LOCK for the count to
    // drop to 0, so the notification is taken under LOCK and cannot be lost.
    if (IN_FLIGHT.decrementAndGet() == 0 && exitStarted) {
      synchronized (LOCK) {
        LOCK.notifyAll();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private @Nullable R invoke() throws Exception {
    Object fn = Objects.requireNonNull(target);
    switch (kind) {
      case RUNNABLE:
        ((Runnable) fn).run();
        return null;
      case CALLABLE:
        return ((Callable<R>) fn).call();
      default:
        return ((Function<Object[], R>) fn).apply(Objects.requireNonNull(args));
    }
  }

  /**
   * The weak reference through which a finalizer watches its object: cleared by the collector,
   * then handed to the engine thread, which runs the finalizer. The finalizer, on the registry,
   * keeps it reachable (a {@code Reference} that is itself unreachable is never processed).
   */
  private static final class Watch extends EngineReference<Object> {
    private final Finalizer<?> finalizer;

    Watch(Object obj, Finalizer<?> finalizer) {
      super(obj);
      this.finalizer = finalizer;
    }

    @Override
    protected void reclaimed() {
      finalizer.runUnraisable();
    }

    @Override
    public String toString() {
      return finalizer.toString();
    }
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
            for (Finalizer<?> x = head; x != null; x = x.next) {
              if (x.atExit) {
                pending.add(x);
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
    if (!take(true, false)) {
      return;
    }
    try {
      invoke();
    } catch (Throwable t) {
      Reclaimer.reportUnraisable(t, this);
    } finally {
      finished();
    }
  }

  /** Lets functions that other threads began before the exit run finished complete. */
  private static void awaitInFlight() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_WAIT_SECONDS);
    synchronized (LOCK) {
      long left;
      while (IN_FLIGHT.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
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
