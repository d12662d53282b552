package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a modular application sees it: a consumer module ({@code demo.consumer}, in
 * {@code src/test/resources/modular-consumer/ok}) is compiled against module {@code dev.weakref}
 * (core's built classes, with its {@code module-info}) and run on the module path in a child JVM,
 * with neither kotlin-stdlib nor JSpecify there, at compile time or at run time: a ref with a
 * callback, a {@code WeakKeyDictionary}, a finalizer and a proxy of the consumer's own interface
 * work, and {@code collect()} waits for them.
 * The engine's implementation is out of reach: a consumer that imports it does not compile, and
 * reflection is refused. What the consumer's descriptor must say (and what happens when it does not)
 * is what the README's engine section tells modular users.
 */
final class ModularConsumerTest {

  /** Core's compiled classes: a directory (or jar) holding module {@code dev.weakref}. */
  private static Path coreModule() throws URISyntaxException {
    Path core = Path.of(WeakRef.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(core) ? Files.exists(core.resolve("module-info.class"))
        : core.toString().endsWith(".jar"), "core has no module descriptor: " + core);
    return core;
  }

  private static Path resource(String dir) throws URISyntaxException {
    return Path.of(ModularConsumerTest.class.getResource("/modular-consumer/" + dir).toURI());
  }

  /** Compiles the module whose sources are under {@code src} into {@code out}; javac's output. */
  private static Compiled compile(Path src, Path out) throws Exception {
    List<String> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(src)) {
      walk.filter(p -> p.toString().endsWith(".java")).forEach(p -> files.add(p.toString()));
    }
    // An empty class path: javac run in-process would otherwise take this JVM's, core included.
    Path noClassPath = Files.createDirectories(out.resolveSibling(out.getFileName() + ".cp"));
    List<String> args = new ArrayList<>(List.of(
        "-d", out.toString(),
        "--class-path", noClassPath.toString(),
        "--module-path", coreModule().toString(),
        "-Xlint:none"));
    args.addAll(files);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter messages = new StringWriter();
    int rc = javac.run(null, new WriterStream(messages), new WriterStream(messages),
        args.toArray(new String[0]));
    return new Compiled(rc, messages.toString());
  }

  private record Compiled(int exitCode, String messages) {}

  @Test
  void consumerOnTheModulePath_usesRefsContainersFinalizersAndProxiesOfItsOwnInterfaces(
      @TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("demo.consumer");
    Compiled c = compile(resource("ok"), out);
    assertEquals(0, c.exitCode(), c.messages());

    ChildJvm.Result r = ChildJvm.runJava("demo.consumer", List.of(
        "--module-path", out + java.io.File.pathSeparator + coreModule(),
        "--module", "demo.consumer/demo.app.Main"));

    assertEquals(0, r.exitCode(), r.stderr());
    List<String> lines = new ArrayList<>(r.stdout());
    String unexported = lines.remove(lines.size() - 2);
    // A proxy of an interface the consumer does not export to dev.weakref is made, but cannot call.
    assertTrue(unexported.startsWith("proxy of an unexported interface: IllegalStateException: weak"
        + " proxy cannot call "), unexported);
    assertTrue(unexported.endsWith("because module demo.consumer does not export demo.hidden to"
        + " module dev.weakref"), unexported);
    assertEquals(List.of(
        "module demo.consumer, weakref module dev.weakref",
        "dev.weakref reads jdk.management: true", // for collect()'s DisableExplicitGC check
        "ref before: true",
        "proxy: hello world, a WeakProxy: true",
        "dict size before: 2",
        "event: finalizer ran",
        "event: proxy callback",
        "event: ref callback, get() null",
        "ref after: null",
        "dict after: 1 kept",
        "dead proxy: ReferenceError",
        "capture in an open package: refused",
        // Finalizer.of sees a captured object only in lambdas of packages open to dev.weakref.
        "capture in a closed package: accepted",
        "internal engine: IllegalAccessException"), lines, "stderr: " + r.stderr());
    assertEquals("", r.stderr());
  }

  @Test
  void consumerImportingTheEngineImplementation_doesNotCompile(@TempDir Path tmp)
      throws Exception {
    Compiled c = compile(resource("internal"), tmp.resolve("demo.internals"));
    assertFalse(c.exitCode() == 0, "a consumer compiled against dev.weakref.internal.engine");
    assertTrue(c.messages().contains("package dev.weakref.internal.engine is declared in module"
        + " dev.weakref, which does not export it"), c.messages());
  }

  /** An OutputStream onto a Writer, for javax.tools' run(). */
  private static final class WriterStream extends java.io.OutputStream {
    private final StringWriter w;

    WriterStream(StringWriter w) {
      this.w = w;
    }

    @Override
    public void write(int b) {
      w.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      w.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
