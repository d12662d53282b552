package dev.weakref.engine;

/**
 * Observes every referent the engine reclaims; the seam that {@code weakref-coroutines} turns into a
 * {@code Flow<ReclaimEvent>}.
 *
 * <p>Listeners run on the {@code weakref-reclaimer} thread after the referent's own callbacks, in
 * registration order; what they throw goes to the {@link UnraisableHook}. A listener must be quick
 * and must not block: hand the event to a queue or channel and return.
 */
@FunctionalInterface
public interface ReclaimListener {

  /**
   * Called once per reclaimed referent that had at least one tracked reference.
   *
   * @param event what was reclaimed
   */
  void onReclaim(ReclaimEvent event);
}
