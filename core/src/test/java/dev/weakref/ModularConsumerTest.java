package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
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
 * is what the README's engine section tells modular users; the README's own {@code module my.app}
 * block is compiled into a consumer and run too.
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

  /** The README's section for modular applications, whose {@code module my.app} block is checked. */
  private static final String README_SECTION = "### On the module path (JPMS)";

  /**
   * The README's module descriptor, as it is printed: the first {@code java} block of its JPMS
   * section. The consumer of {@code src/test/resources/modular-consumer/readme} is compiled with it
   * and run: a proxy of its exported interface calls through, a callback runs, and the capture check
   * reads its lambdas (the package is open). A README whose block stops compiling, or loses its
   * {@code exports} or {@code opens}, fails here.
   */
  @Test
  void readmeModuleDescriptor_compilesAndGivesProxiesAndTheCaptureCheckWhatTheyNeed(
      @TempDir Path tmp) throws Exception {
    Path src = tmp.resolve("src");
    try (Stream<Path> walk = Files.walk(resource("readme"))) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Files.copy(p, src.resolve(resource("readme").relativize(p).toString()));
      }
    }
    String descriptor = readmeModuleDescriptor();
    assertTrue(descriptor.startsWith("module my.app {"), descriptor);
    Files.writeString(src.resolve("module-info.java"), descriptor);
    Path out = tmp.resolve("my.app");
    Compiled c = compile(src, out);
    assertEquals(0, c.exitCode(), "the README's module descriptor:\n" + descriptor + c.messages());

    ChildJvm.Result r = ChildJvm.runJava("my.app", List.of(
        "--module-path", out + java.io.File.pathSeparator + coreModule(),
        "--module", "my.app/my.app.Main"));

    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of(
        "module my.app",
        "proxy of my.app.api.Greeter: hello world", // exports my.app.api to dev.weakref
        "events: [ref callback]",
        "capturing finalizer in my.app: refused"), // opens my.app to dev.weakref
        r.stdout(), "stderr: " + r.stderr());
    assertEquals("", r.stderr());
  }

  /** The first {@code java} block after {@link #README_SECTION} in the project's README. */
  private static String readmeModuleDescriptor() throws Exception {
    Path readme = projectReadme();
    List<String> lines = Files.readAllLines(readme);
    int section = lines.indexOf(README_SECTION);
    assertTrue(section >= 0, "no section '" + README_SECTION + "' in " + readme);
    int open = section;
    while (++open < lines.size() && !lines.get(open).equals("```java")) {
      assertFalse(lines.get(open).startsWith("#"), "no java block in " + README_SECTION);
    }
    int close = lines.subList(open, lines.size()).indexOf("```");
    assertTrue(open < lines.size() && close > 0, "no closed java block in " + README_SECTION);
    return String.join("\n", lines.subList(open + 1, open + close)) + "\n";
  }

  /**
   * The project's README: in the first directory holding a {@code README.md} and a {@code pom.xml}
   * with {@code <modules>} (the parent's), going up from this test's compiled classes, then from the
   * working directory (Surefire runs in {@code core/}, an IDE often in the project or elsewhere).
   */
  private static Path projectReadme() throws Exception {
    List<Path> looked = new ArrayList<>();
    List<Path> starts = new ArrayList<>();
    CodeSource code = ModularConsumerTest.class.getProtectionDomain().getCodeSource();
    if (code != null) { // some runners give none
      starts.add(Path.of(code.getLocation().toURI()));
    }
    starts.add(Path.of("").toAbsolutePath());
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        looked.add(dir);
        Path pom = dir.resolve("pom.xml");
        if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(pom)
            && declaresModules(pom)) {
          return dir.resolve("README.md");
        }
      }
    }
    return fail("no README.md beside a parent pom.xml (one with <modules>) in any of " + looked);
  }

  /** Whether {@code pom} lists modules: outside XML comments, where a block may be left out. */
  private static boolean declaresModules(Path pom) throws Exception {
    return Files.readString(pom).replaceAll("(?s)<!--.*?-->", "").contains("<modules>");
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
