package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The exit run of finalizers, observed from child JVMs started with this test's class path. Its
 * {@link #runChild} is public for the child-JVM tests of other packages.
 */
public final class FinalizerExitTest {

  /** What a child JVM did: its exit code, its non-empty stdout lines, and its stderr. */
  public record ChildResult(int exitCode, List<String> stdout, String stderr) {}

  /** Runs {@code mainClass} in a child JVM with this JVM's {@code java} and class path. */
  public static ChildResult runChild(Class<?> mainClass) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path err = Files.createTempFile("finalizer-child", ".err");
    try {
      Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
          "-cp", System.getProperty("java.class.path"), mainClass.getName())
          .redirectError(err.toFile())
          .start();
      p.getOutputStream().close();
      List<String> out = new ArrayList<>();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("child JVM " + mainClass.getName() + " did not exit in time");
      }
      for (String line : text.split("\\R")) {
        if (!line.isEmpty()) {
          out.add(line);
        }
      }
      return new ChildResult(p.exitValue(), out, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  @Test
  void exit_runsLiveAtExitFinalizersNewestFirst_onceEach_andNothingAfterTheHook()
      throws Exception {
    ChildResult r = runChild(FinalizerExitChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of(
        "call f4",
        "main end",
        "exit f6",
        "exit f7 created at exit",
        "exit f5 throws",
        "unraisable: f5 failed",
        "exit f1",
        "after hook: f2() -> null, alive false",
        "after hook: late() -> null"), r.stdout(), "stderr: " + r.stderr());
  }

  @Test
  void exit_fromAnotherThreadWhileReclaiming_runsEachFinalizerExactlyOnce() throws Exception {
    ChildResult r = runChild(FinalizerExitRaceChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    int n = FinalizerExitRaceChild.N;
    assertEquals("registered " + n, r.stdout().get(0));
    int[] runs = new int[n];
    Map<String, Integer> byThread = new HashMap<>();
    for (String line : r.stdout().subList(1, r.stdout().size())) {
      String[] parts = line.split(" ");
      assertEquals("ran", parts[0], line);
      runs[Integer.parseInt(parts[1])]++;
      byThread.merge(parts[3], 1, Integer::sum);
    }
    for (int i = 0; i < n; i++) {
      assertEquals(1, runs[i], "finalizer " + i + " ran " + runs[i] + " times; by thread " + byThread);
    }
    // At least an eighth ran on reclamation before the exit; the half kept alive ran at exit.
    assertTrue(byThread.getOrDefault("weakref-reclaimer", 0) >= n / 8, byThread.toString());
    assertTrue(byThread.getOrDefault("weakref-atexit", 0) >= n / 2, byThread.toString());
  }
}
