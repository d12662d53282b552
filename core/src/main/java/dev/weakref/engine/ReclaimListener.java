package dev.weakref.engine;

import java.util.List;

/**
 * Observes every reclaim the engine publishes (see {@link ReclaimEvent.Kind}); the seam that
 * {@code weakref-coroutines} turns into a {@code Flow<ReclaimEvent>}. Added with
 * {@link Reclaimer#addListener}, removed by closing the registration it returns.
 *
 * <p>Listeners run on the {@code weakref-reclaimer} thread, never concurrently with each other, in
 * registration order; a referent's event comes after its callbacks, a finalizer's after its function
 * ran. The engine gathers the events of one batch of its work (at most 256) and hands them over
 * together through {@link #onReclaimBatch}, whose default calls {@link #onReclaim} for each. What a
 * listener throws goes to the {@link UnraisableHook}. A listener must be quick and must not block:
 * hand the events to a queue or channel and return.
 */
@FunctionalInterface
public interface ReclaimListener {

  /**
   * Called once per event, in sequence order (by the default {@link #onReclaimBatch}).
   *
   * @param event what was reclaimed
   */
  void onReclaim(ReclaimEvent event);

  /**
   * Called with the events of one engine batch, in sequence order; never with an empty list.
   *
   * <p>Override it to take a batch at once (one hand-over per batch instead of per event). The list
   * is immutable and the listener may keep it. The default calls {@link #onReclaim} for each event;
   * what one call throws is reported and the next event is still delivered.
   *
   * @param events the events, oldest first
   */
  default void onReclaimBatch(List<ReclaimEvent> events) {
    for (ReclaimEvent e : events) {
      try {
        onReclaim(e);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, this);
      }
    }
  }
}
