package dev.weakref;

import dev.weakref.engine.Reclaimer;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
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
 * <p><b>Not a counted reference.</b> Behind this interface a finalizer is one of the engine's
 * cheap untracked references ({@code EngineReference}), as the weak containers' entries are, not a
 * tracked {@code WeakRef}: it is not counted by {@link Reclaimer#weakRefCount} (CPython counts the
 * {@code ref} its {@code finalize} owns), and its function runs in no particular order relative to
 * the callbacks of the object's {@code WeakRef}s. That makes a registration one object of 40 bytes
 * (a {@link java.lang.ref.Cleaner}'s is 48), and keeps registration and reclamation as cheap as
 * {@code Cleaner}'s. As with {@code Cleaner.Cleanable}, the reference itself stays hidden: the only
 * implementation is the library's own.
 *
 * <p><b>At exit.</b> One shutdown hook, registered when the first finalizer is made, runs every live
 * finalizer whose {@link #atExit()} is true, newest first, and goes on selecting until none is left,
 * so finalizers created by an at-exit function run too. When it has finished, no finalizer function
 * runs any more: {@link #call()} and reclamation then only mark finalizers dead. Before finishing, the
 * hook waits (at most 5 seconds) for functions that other threads were running when the exit
 * began, so that each of them completes before the JVM halts; not for one whose thread is itself
 * exiting (a function that called {@code System.exit}, which never returns), so such a call exits
 * without delay. {@code Runtime.halt}, a crash or a kill signal that the JVM cannot handle runs no
 * shutdown hook: then no finalizer runs at exit.
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
public sealed interface Finalizer<R extends @Nullable Object> permits FinalizerRef {

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
  static Finalizer<Void> of(Object obj, Runnable func) {
    return FinalizerRef.of(obj, func);
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
  static <R extends @Nullable Object> Finalizer<R> of(Object obj, Callable<R> func) {
    return FinalizerRef.of(obj, func);
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
  static <R extends @Nullable Object> Finalizer<R> of(
      Object obj, Function<Object[], R> func, @Nullable Object... args) {
    return FinalizerRef.of(obj, func, args);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code arg} once, after {@code obj} is
   * reclaimed, at exit, or when {@linkplain #call() called}.
   *
   * <p>Python: {@code weakref.finalize(obj, func, arg)}, where {@code func} returns nothing: this
   * takes a method that returns {@code void}, such as {@code Finalizer.of(obj, System.out::println,
   * "gone")}, which prints {@code gone}. The function receives the argument itself, not an array;
   * {@link #peek()} shows it as the one argument.
   *
   * <p>Java picks this overload, not {@link #of(Object, Function, Object...)}, for an implicitly
   * typed lambda with one argument whose body is a statement (such as {@code a -> delete(a)}); to
   * have the array, type the parameter ({@code (Object[] a) -> …}) or pass a {@code Function}.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg the argument passed to {@code func}; must not be {@code obj}
   * @param <A> the argument's type
   * @return the finalizer; it stays alive even if the caller drops it
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} in one of its fields (the message names the field) or is {@code obj}, or if
   *     {@code arg} is {@code obj}
   */
  static <A extends @Nullable Object> Finalizer<Void> of(
      Object obj, Consumer<? super A> func, A arg) {
    return FinalizerRef.of(obj, func, arg);
  }

  /**
   * Returns a new alive finalizer that calls {@code func} with {@code arg1} and {@code arg2} once,
   * after {@code obj} is reclaimed, at exit, or when {@linkplain #call() called}.
   *
   * <p>Python: {@code weakref.finalize(obj, func, arg1, arg2)}, where {@code func} returns nothing,
   * such as {@code Finalizer.of(obj, log::printf, "%s%n", "gone")}. The function receives the two
   * arguments themselves; {@link #peek()} shows them as the arguments.
   *
   * @param obj the object whose reclamation triggers the function (not retained)
   * @param func the cleanup; must not hold {@code obj}
   * @param arg1 the first argument passed to {@code func}; must not be {@code obj}
   * @param arg2 the second argument passed to {@code func}; must not be {@code obj}
   * @param <A> the first argument's type
   * @param <B> the second argument's type
   * @return the finalizer; it stays alive even if the caller drops it
   * @throws NullPointerException if {@code obj} or {@code func} is {@code null}
   * @throws IllegalArgumentException if {@code obj} is of a JDK value-based class, if {@code func}
   *     holds {@code obj} in one of its fields (the message names the field) or is {@code obj}, or if
   *     an argument is {@code obj} (the message gives its index)
   */
  static <A extends @Nullable Object, B extends @Nullable Object> Finalizer<Void> of(
      Object obj, BiConsumer<? super A, ? super B> func, A arg1, B arg2) {
    return FinalizerRef.of(obj, func, arg1, arg2);
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
  @Nullable R call();

  /**
   * Marks this finalizer dead without running it and returns what it held, if it and its object are
   * alive.
   *
   * <p>Python: {@code f.detach()}.
   *
   * @return the object, function and arguments, or {@code null} if the finalizer is dead or its object
   *     is already gone (nothing is changed then)
   */
  @Nullable Info detach();

  /**
   * Returns what this finalizer holds, if it and its object are alive, without changing anything.
   *
   * <p>Python: {@code f.peek()}.
   *
   * @return the object, function and arguments, or {@code null} if the finalizer is dead or its object
   *     is gone
   */
  @Nullable Info peek();

  /**
   * Returns whether this finalizer is alive: it has not run, been called, or been detached.
   *
   * <p>Python: {@code f.alive}.
   *
   * @return {@code true} until the function runs or the finalizer is detached
   */
  boolean isAlive();

  /**
   * Returns whether the function will run at JVM exit if the finalizer is still alive then;
   * {@code true} unless set otherwise.
   *
   * <p>Python: {@code f.atexit}.
   *
   * @return whether this finalizer runs at exit
   */
  boolean atExit();

  /**
   * Sets whether the function runs at JVM exit if the finalizer is still alive then. Has no effect
   * on a dead finalizer.
   *
   * <p>Python: {@code f.atexit = value}.
   *
   * @param value {@code true} to run at exit, {@code false} to leave it to reclamation or a call
   */
  void setAtExit(boolean value);

  /**
   * What a finalizer holds: Python's {@code (obj, func, args, kwargs)} tuple from {@code peek()} and
   * {@code detach()}.
   *
   * @param obj the object the finalizer watches
   * @param func the very function object passed to {@code of}
   * @param args the arguments (an unmodifiable list; empty for a {@link Runnable} or {@link Callable})
   */
  record Info(Object obj, Object func, List<@Nullable Object> args) {
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
}
