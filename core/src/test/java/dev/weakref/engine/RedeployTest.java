package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves README's "In an application server": the library bundled in a web application (its
 * classes defined by the application's own child-first loader) does not pin that loader once the
 * application dropped everything it made, so a redeploy leaks nothing. {@link RedeployChild} says
 * what the child does.
 *
 * <p>Negative control: before the engine thread ended when idle, it lived until JVM exit with the
 * web application loader's {@code ReclaimLoop} as its body, and the {@code weakref-atexit} hook
 * registered by the first finalizer stayed in the JVM's hook list with the loader's
 * {@code FinalizerExitHook} as its body; and the proxy shapes and the cells' kinds of JDK classes
 * were cached in {@code ClassValue}s stored in those classes. Each keeps the loader: on the old
 * code the child printed {@code webapp loader collected: false}, the engine thread alive and the
 * hook registered (checked).
 */
final class RedeployTest {

  @Test
  void libraryInAThrowawayChildFirstLoader_usedThenDropped_letsTheLoaderBeCollected()
      throws Exception {
    Map<String, String> facts = run();
    assertEquals("{}", facts.get("hooks"), "the JVM's application shutdown hooks: " + facts);
  }

  /** The engine's Flight Recorder events, recorded, and its watchdog do not pin the loader either. */
  @Test
  void whileFlightRecorderRecords_theLoaderIsCollectedToo(@TempDir Path dir) throws Exception {
    Map<String, String> facts = run("-XX:StartFlightRecording:filename="
        + dir.resolve("redeploy.jfr") + ",settings=profile", "-Dweakref.callbackWarnMillis=100");
    assertFalse(facts.get("hooks").contains("weakref-atexit"), "hooks: " + facts);
  }

  private static Map<String, String> run(String... options) throws Exception {
    String[] all = new String[options.length + 1];
    all[0] = "--add-opens=java.base/java.lang=ALL-UNNAMED"; // to read the JVM's shutdown hooks
    System.arraycopy(options, 0, all, 1, options.length);
    ChildJvm.Result r = ChildJvm.run(RedeployChild.class, all);
    assertEquals(0, r.exitCode(), r.stderr());
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : r.stdout()) {
      if (line.startsWith("[")) {
        continue; // the JVM's own log (Flight Recorder's start-up line)
      }
      int colon = line.indexOf(": ");
      assertTrue(colon > 0, "unexpected child output: " + line + "\nstderr: " + r.stderr());
      facts.put(line.substring(0, colon), line.substring(colon + 2));
    }
    System.out.println("RedeployTest: " + facts); // the figures for RELIABILITY.md
    String said = "child said " + facts + "\nstderr: " + r.stderr();
    assertEquals("webapp", facts.get("library loader"), said);
    assertEquals("1", facts.get("callbacks run"), said);
    assertEquals("1", facts.get("finalizers run"), said);
    assertEquals("true", facts.get("engine sound"), said);
    assertEquals("true", facts.get("webapp loader collected"), said);
    assertEquals("[]", facts.get("engine threads after"), said);
    // Then, with the child's own copy of the library: started on demand, ended when idle, 3 times,
    // and no registration lost while the thread ends between rounds, 100 times.
    assertEquals("ran 9 of 9, stopped 3 of 3", facts.get("restarts"), said);
    assertEquals("ran 300 of 300", facts.get("race"), said);
    return facts;
  }
}
