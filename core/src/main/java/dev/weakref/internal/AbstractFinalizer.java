package dev.weakref.internal;

import dev.weakref.internal.engine.EngineReference;
import org.jspecify.annotations.Nullable;

/**
 * Internal: a finalizer as {@link LiveFinalizers} and {@link FinalizerExitHook} see it, the
 * superclass of {@code dev.weakref.FinalizerRef}, which holds the run-once state machine.
 *
 * <p>It carries the finalizer's place in the registry of live finalizers (its chunk and its index
 * there: 6 bytes, which keep a finalizer at 40 bytes) and declares what the exit hook asks of a
 * finalizer. Being in the registry is what keeps a finalizer, a {@link java.lang.ref.Reference}
 * that the collector processes only while it is reachable, alive.
 */
public abstract class AbstractFinalizer extends EngineReference<Object> {
  LiveFinalizers.@Nullable Chunk chunk; // guarded by LiveFinalizers.LOCK; null once out of it
  short index; // guarded by LiveFinalizers.LOCK: the place in chunk

  /**
   * Creates a finalizer watching {@code obj}, not yet in the registry.
   *
   * @param obj the object to finalize
   */
  protected AbstractFinalizer(Object obj) {
    super(obj);
  }

  /**
   * Returns whether the function has neither run, nor been taken to run, nor been detached.
   *
   * @return whether the finalizer is alive
   */
  public abstract boolean isAlive();

  /**
   * Returns whether the exit hook runs this finalizer if it is alive then.
   *
   * @return the finalizer's at-exit flag
   */
  public abstract boolean atExit();

  /**
   * Returns the thread running the function now, or {@code null} if none is: the exit hook waits
   * for such runs (read under {@code LiveFinalizers.LOCK}, see {@link #markDead()}).
   *
   * @return the running thread, or {@code null}
   */
  protected abstract @Nullable Thread runner();

  /**
   * Marks the finalizer dead once its function has finished; called under
   * {@code LiveFinalizers.LOCK}, so that the exit hook, which reads {@link #runner()} under it and
   * waits on it, cannot miss the end of a run.
   */
  protected abstract void markDead();

  /**
   * Runs the function if this thread wins it, reporting what it throws to the unraisable hook: the
   * run after reclamation and at exit.
   */
  protected abstract void runUnraisable();
}
