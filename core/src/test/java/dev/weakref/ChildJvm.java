package dev.weakref;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's {@code main} class in a child JVM, with this JVM's {@code java} and class path: for
 * what one JVM can show only once (its exit, the engine thread's first start).
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What a child JVM did: its exit code, its non-empty stdout lines, and its stderr. */
  public record Result(int exitCode, List<String> stdout, String stderr) {}

  /** Runs {@code mainClass} in a child JVM ({@code -Xmx256m -XX:+UseSerialGC}) and waits for it. */
  public static Result run(Class<?> mainClass) throws IOException, InterruptedException {
    return run(mainClass, new String[0]);
  }

  /** Like {@link #run(Class)}, with more JVM options after those two. */
  public static Result run(Class<?> mainClass, String... jvmOptions)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path err = Files.createTempFile("weakref-child", ".err");
    try {
      List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC"));
      command.addAll(List.of(jvmOptions));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
      Process p = new ProcessBuilder(command)
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
      return new Result(p.exitValue(), out, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
