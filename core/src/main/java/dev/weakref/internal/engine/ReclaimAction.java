package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * What the engine runs for one tracked handle after its referent was reclaimed.
 *
 * <p><b>Internal:</b> public only so that the reference types in {@code dev.weakref} can register
 * with the engine; application code has no use for it. Implementations are stateless singletons
 * (one per handle type), so tracking a handle allocates nothing for its action.
 */
@FunctionalInterface
public interface ReclaimAction {

  /**
   * Runs on the {@code weakref-reclaimer} thread, once, for a handle that was still reachable when
   * its referent was reclaimed. What it throws goes to the {@link dev.weakref.engine.UnraisableHook}.
   *
   * @param handle the handle passed to {@link Tracking#track}
   */
  void reclaimed(Object handle);

  /**
   * Returns the user's callback that {@link #reclaimed} calls for {@code handle}, to name it when
   * it runs long (the watchdog's report, {@code collect()}'s timeout message). Called on another
   * thread while the action runs: read only final fields.
   *
   * @param handle the handle passed to {@link Tracking#track}
   * @return the callback, or {@code null} if unknown (the default)
   */
  default @Nullable Object callbackOf(Object handle) {
    return null;
  }
}
