package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Proves SPEC's "the engine thread holds no application class loader (no leak on redeploy)" for
 * the case that matters on redeploy: code of a throwaway class loader starts the engine thread, from
 * a thread whose context class loader is that loader and which carries an inheritable thread-local
 * pointing into it; once the application is dropped, the loader is collected, while the engine
 * thread lives on with a {@code null} context class loader.
 *
 * <p>A child JVM, because the engine thread starts once per JVM, on the first use of
 * {@link Reclaimer}: in this JVM earlier tests have already started it, from the application
 * class loader. {@link EngineThreadLoaderChild} says what the child does.
 *
 * <p>Negative control (why this fails if {@code Reclaimer.ensureRunning()} regresses): the engine
 * thread never ends, so whatever it takes from its creator stays strongly reachable. Had it kept
 * the context class loader it inherits from the deploy thread (no {@code setContextClassLoader(null)}),
 * that would be the throwaway loader itself. Had it inherited thread-locals (the plain
 * {@code Thread} constructors do), its copy of the deploy thread's inheritable map would hold the
 * value set there, an instance of the throwaway loader's class, hence the loader. Had it been
 * created outside {@code doPrivileged}, on JDKs that still capture one (17 to 23) its inherited
 * access-control context would hold the protection domains of the application frames on the stack,
 * and the throwaway class's protection domain references its loader. Each of the three makes
 * {@code throwaway loader collected} print {@code false}; the first two also show in the callback's
 * line, which runs on the engine thread.
 */
final class EngineThreadLoaderTest {

  private static Map<String, String> facts(ChildJvm.Result r) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : r.stdout()) {
      int colon = line.indexOf(": ");
      assertTrue(colon > 0, "unexpected child output: " + line + "\nstderr: " + r.stderr());
      facts.put(line.substring(0, colon), line.substring(colon + 2));
    }
    return facts;
  }

  @Test
  void engineThreadStartedByAThrowawayLoadersCode_pinsNeitherTheLoaderNorItsThreadLocals()
      throws Exception {
    ChildJvm.Result r = ChildJvm.run(EngineThreadLoaderChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    Map<String, String> facts = facts(r);
    String all = "child said " + facts + "\nstderr: " + r.stderr();

    // The setting: application code from the throwaway loader, the library from the app loader,
    // the context loader and the inheritable local set before the engine's first use.
    assertEquals("throwaway", facts.get("application loader"), all);
    assertEquals("app", facts.get("library loader"), all);
    assertEquals("deploy, not daemon, context loader throwaway, local set", facts.get("deploy thread"),
        all);
    assertEquals("none", facts.get("engine thread before first use"), all);

    // The engine thread, seen from inside by the application's callback and from outside after.
    assertEquals("weakref-reclaimer, daemon, context loader null, local unset",
        facts.get("callback ran on"), all);
    assertTrue(facts.getOrDefault("throwaway loader collected", "").startsWith("true"),
        "the engine pinned the throwaway class loader: " + all);
    assertEquals("[weakref-reclaimer, daemon, context loader null]",
        facts.get("engine threads after"), all);
  }
}
