package dev.weakref.examples.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why {@code Weakref.finalizer} exists, as javac sees it: under {@code import static
 * dev.weakref.interop.Weakref.*} an unqualified {@code finalize(…)} in a class means
 * {@code Object.finalize()} and does not compile, while {@code finalizer(…)} and the qualified
 * {@code Weakref.finalize(obj, System.out::println, "msg")} do.
 */
final class StaticImportCompileTest {

  private static String compile(Path dir, String body) throws IOException {
    Path source = dir.resolve("User.java");
    Files.writeString(source, "import static dev.weakref.interop.Weakref.*;\n"
        + "import dev.weakref.Finalizer;\n"
        + "import dev.weakref.interop.Weakref;\n"
        + "class User {\n  void use(Object obj) {\n    " + body + "\n  }\n}\n");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    int exit = javac.getTask(errors, null, null,
        List.of("-classpath", System.getProperty("java.class.path"), "-d", dir.toString(),
            "-proc:none"),
        null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(source)).call()
        ? 0 : 1;
    return exit == 0 ? "" : errors.toString();
  }

  @Test
  void unqualifiedFinalize_meansObjectFinalize_andDoesNotCompile(@TempDir Path dir)
      throws IOException {
    String errors = compile(dir, "finalize(obj, () -> { });");
    assertTrue(errors.contains("finalize") && errors.contains("Object"), errors); // Object's, not ours
  }

  @Test
  void finalizerAndQualifiedFinalize_compile(@TempDir Path dir) throws IOException {
    assertEquals("", compile(dir, "Finalizer<Void> a = finalizer(obj, () -> { });\n"
        + "    Finalizer<Void> b = finalizer(obj, System.out::println, \"msg\");\n"
        + "    Finalizer<Void> c = Weakref.finalize(obj, System.out::println, \"msg\");\n"
        + "    Finalizer<Void> d = finalizer(obj, System.out::printf, \"%s%n\", \"msg\");\n"
        + "    Finalizer<String> e = finalizer(obj, args -> \"n=\" + args.length, 1, 2);\n"
        + "    Finalizer<Integer> f = finalizer(obj, () -> 42);"));
  }
}
