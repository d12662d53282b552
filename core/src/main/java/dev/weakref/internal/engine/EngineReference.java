package dev.weakref.internal.engine;

import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * A weak reference that the engine thread hands back to its subclass once the collector has
 * cleared it: the seam for structures that clean up after their own references, such as the weak
 * containers' entries (CPython's {@code KeyedRef}).
 *
 * <p>Unlike {@code WeakRef}, an {@code EngineReference} is not tracked per referent: it does not
 * count in {@link Tracking#weakRefCount}, has no callback ordering, and costs one object. As with
 * any {@link java.lang.ref.Reference}, one that is itself unreachable when its referent dies is
 * never processed. {@link dev.weakref.engine.Reclaimer#collect()} waits for {@link #reclaimed()}
 * like for callbacks.
 *
 * <p><b>Internal:</b> public for {@code dev.weakref} and the coroutines module, the only modules
 * this package is exported to.
 *
 * @param <T> the type of the referent
 */
public abstract class EngineReference<T> extends WeakReference<T> {

  /**
   * Creates a weak reference to {@code referent}, registered with the engine's queue.
   *
   * @param referent the object to refer to
   */
  protected EngineReference(T referent) {
    super(referent, Engine.queue());
  }

  /**
   * Runs on the {@code weakref-reclaimer} thread once, after the collector cleared this reference
   * (if it was still reachable then). What it throws goes to the unraisable hook, with this reference
   * as the source. Keep it short: every other callback waits for it.
   */
  protected abstract void reclaimed();

  /**
   * From {@link #reclaimed()}, on the engine thread: runs {@code task} there once the batch of
   * references being processed is done, before {@link dev.weakref.engine.Reclaimer#collect()} is told so; for a
   * structure that tells its listeners once per batch rather than once per reference (a
   * {@code WeakSet}'s count). What it throws goes to the unraisable hook.
   *
   * @param task what to run
   * @throws IllegalStateException if called off the engine thread
   */
  protected static void atBatchEnd(Runnable task) {
    if (!Engine.isEngineThread()) {
      throw new IllegalStateException("atBatchEnd called off the engine thread: from reclaimed() only");
    }
    Engine.loop().atBatchEnd(task);
  }

  /**
   * From {@link #reclaimed()}: names the user function it is about to call (a finalizer's function,
   * a container's listener), so that a report of it running long, or {@code collect()}'s timeout
   * message, names its class. Does nothing off the engine thread. A field store.
   *
   * @param callback the function, or {@code null} once none of the user's runs
   */
  protected static void runningCallback(@Nullable Object callback) {
    if (Engine.isEngineThread()) {
      Engine.loop().userCode.noteCallback(callback);
    }
  }

  final void runReclaimed() {
    reclaimed();
  }
}
