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
    List<String> args = new ArrayList<>(List.of(jvmOptions));
    args.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    return runJava(mainClass.getName(), args);
  }

  /**
   * Runs this JVM's {@code java} with {@code -Xmx256m -XX:+UseSerialGC} and then {@code args} (more
   * options, the class or module path, the main class or module), and waits for it.
   *
   * @param what names the child in a timeout's message
   */
  public static Result runJava(String what, List<String> args)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path err = Files.createTempFile("weakref-child", ".err");
    Path stdout = Files.createTempFile("weakref-child", ".out");
    try {
      List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC"));
      command.addAll(args);
      // Both streams go to files, so that the timeout below holds: reading a pipe to its end would
      // wait as long as a hung child lives.
      Process p = new ProcessBuilder(command)
          .redirectOutput(stdout.toFile())
          .redirectError(err.toFile())
          .start();
      p.getOutputStream().close();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("child JVM " + what + " did not exit in 120 s; it printed "
            + Files.readAllLines(stdout, StandardCharsets.UTF_8).size() + " lines, stderr: "
            + Files.readString(err));
      }
      List<String> out = new ArrayList<>();
      String text = Files.readString(stdout, StandardCharsets.UTF_8);
      for (String line : text.split("\\R")) {
        if (!line.isEmpty()) {
          out.add(line);
        }
      }
      return new Result(p.exitValue(), out, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
      Files.deleteIfExists(stdout);
    }
  }
}
