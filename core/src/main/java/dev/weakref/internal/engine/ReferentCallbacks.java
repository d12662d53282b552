package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * What the engine does for a referent that died while tracked handles of it were alive: run their
 * callbacks, newest registration first, each in its own {@code try} (what one throws goes to the
 * unraisable hook), then report the reclaim to the listeners ({@link ReclaimEvents}). Called by
 * the {@link ReclaimLoop} for a tracked handle's reference taken off the queue.
 */
final class ReferentCallbacks {
  private ReferentCallbacks() {}

  /**
   * Reclaims the referents whose nodes {@link HandleTable#takeDead} took, in turn; engine thread
   * only.
   *
   * @param userCode told of each callback run, for the watchdog and Flight Recorder
   */
  static void run(@Nullable Node taken, RunningUserCode userCode) {
    for (Node n = taken; n != null; ) {
      Node next = n.next;
      n.next = null;
      if (n instanceof Group g) {
        run(g.members, g.hash, userCode);
      } else {
        run((Cell) n, n.hash, userCode);
      }
      n = next;
    }
  }

  /**
   * Runs the callbacks of the handles of one reclaimed referent still alive, newest registration
   * first, then reports it if any was.
   *
   * @param cells the referent's cells, linked through {@code next} (a lone cell's is null)
   */
  private static void run(@Nullable Cell cells, int hash, RunningUserCode userCode) {
    int fired = 0;
    Class<?> type = null;
    for (Node n = cells; n != null; n = n.next) {
      Cell c = (Cell) n;
      Object handle = c.get();
      if (handle == null) {
        continue; // dropped: never fires
      }
      type = c.kind.type;
      ReclaimAction action = c.kind.action;
      if (action == null) {
        continue;
      }
      fired++;
      Object event = userCode.callbackStarting(handle, action);
      try {
        action.reclaimed(handle);
      } catch (Throwable t) {
        Unraisable.report(t, handle);
      } finally {
        userCode.callbackFinished(event, handle);
      }
    }
    ReclaimEvents.referentReclaimed(type, hash, fired);
  }
}
