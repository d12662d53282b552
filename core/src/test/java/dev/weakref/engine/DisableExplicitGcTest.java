package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With {@code -XX:+DisableExplicitGC}, {@link Reclaimer#collect()} cannot force a collection: it
 * fails at once, saying so, instead of after its 30 s timeout. A child JVM, for the option.
 */
final class DisableExplicitGcTest {

  @Test
  void collect_withExplicitGcDisabled_failsAtOnceSayingWhy() throws Exception {
    ChildJvm.Result r = ChildJvm.run(DisableExplicitGcChild.class, "-XX:+DisableExplicitGC");
    assertEquals(0, r.exitCode(), r.stderr());
    List<String> out = r.stdout();
    String all = "child said " + out + "\nstderr: " + r.stderr();
    assertEquals(3, out.size(), all);
    String expected = "threw collect() failed at once: -XX:+DisableExplicitGC is set, so System.gc()"
        + " does nothing and the garbage collector clears no weakly-reachable object when asked to";
    assertEquals("caller: " + expected, out.get(0), all);
    long ms = Long.parseLong(out.get(1).substring("ms: ".length()));
    assertTrue(ms < 5_000, "collect() took " + ms + " ms to fail: " + all);
    assertEquals("callback: " + expected, out.get(2), all);
  }
}
