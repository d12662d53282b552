package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * {@link Tracking#connect} installs {@code dev.weakref}'s handle access only: before, whoever called
 * it first won, and the library's own refs then failed (their access could not be installed).
 */
final class TrackingConnectTest {
  @Test
  void connectFromOutsideDevWeakref_isRefused_andRefsStillWork() throws Exception {
    ChildJvm.Result r = ChildJvm.run(TrackingConnectChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(2, r.stdout().size(), "stdout: " + r.stdout() + "; stderr: " + r.stderr());
    String refused = r.stdout().get(0);
    assertTrue(refused.startsWith("refused: ") && refused.contains(TrackingConnectChild.class.getName())
        && refused.contains("Tracking.connect"), refused);
    assertEquals("fired 1, cleared true", r.stdout().get(1), r.stderr());
  }
}
