package dev.weakref.coroutines

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * Runs a test's `main` class in a child JVM with this JVM's `java` and class path, for what one JVM
 * can show only once (its exit). A minimal copy of core's test helper of the same name.
 */
internal object ChildJvm {
  /** What a child JVM did: its exit code, its non-empty stdout lines, and its stderr. */
  data class Result(val exitCode: Int, val stdout: List<String>, val stderr: String)

  fun run(mainClass: Class<*>): Result {
    val java = Path.of(System.getProperty("java.home"), "bin", "java")
    val err = Files.createTempFile("weakref-child", ".err")
    val out = Files.createTempFile("weakref-child", ".out")
    try {
      // Both streams go to files, so that the timeout holds: reading a pipe to its end would wait
      // as long as a hung child lives.
      val p =
          ProcessBuilder(
                  java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
                  "-cp", System.getProperty("java.class.path"), mainClass.name)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start()
      p.outputStream.close()
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly()
        throw AssertionError(
            "child JVM ${mainClass.name} did not exit in 120 s; stderr: ${Files.readString(err)}")
      }
      val text = Files.readString(out)
      return Result(p.exitValue(), text.lines().filter { it.isNotEmpty() }, Files.readString(err))
    } finally {
      Files.deleteIfExists(err)
      Files.deleteIfExists(out)
    }
  }
}
