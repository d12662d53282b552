package dev.weakref.examples.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README from drifting: runs every snippet of {@code dev.weakref.examples.guide} and
 * checks what it prints, checks that each README block marked {@code <!-- snippet: name -->} is
 * the tagged region of the source file of its language, byte for byte once unindented, and that
 * the dependency snippets name the project's version and published artifacts.
 *
 * <p>With {@code -Dreadme.update} it rewrites the marked blocks from the sources instead of
 * failing on a difference (see CONTRIBUTING.md).
 */
final class ReadmeSnippetsTest {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path README = MODULE.resolveSibling("README.md");
  private static final Path GUIDE = Path.of("dev", "weakref", "examples", "guide");
  private static final Pattern TAG = Pattern.compile("^\\s*// tag::([a-z0-9-]+)\\[]\\s*$");
  private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+) -->$");

  /** What each snippet prints, identity hash codes written {@code 0x…}. */
  private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

  static {
    expect("java:ref", "Image(cat.png)", "true", "null");
    expect("java:ref-callback", "reclaimed: <weakref at 0x…; dead>", "null");
    expect("java:proxy", "main got click", "weakly-referenced object no longer exists");
    expect("java:weak-key-dictionary", "cat-64.png", "0");
    expect("java:weak-value-dictionary", "Image(cat.png)", "null");
    expect("java:on-reclaim", "delete cat-64.png");
    expect("java:finalize-args", "3", "null");
    expect("kotlin:container-operators", "2 2", "2");
    expect("java:weak-set", "main got resize", "true");
    expect("java:weak-method", "1", "null");
    expect("java:finalize", "true", "tmp.png deleted", "false");
    expect("java:temp-dir"); // a class; run by temp-dir-forgotten
    expect("java:temp-dir-forgotten", "false");
    expect("kotlin:ref", "Image(cat.png)", "null");
    expect("kotlin:ref-callback", "reclaimed: <weakref at 0x…; dead>", "null");
    expect("kotlin:proxy", "main got click", "weakly-referenced object no longer exists");
    expect("kotlin:weak-key-dictionary", "cat-64.png", "0");
    expect("kotlin:weak-value-dictionary", "Image(cat.png)", "null");
    expect("kotlin:weak-set", "true", "true");
    expect("kotlin:weak-method", "1", "null");
    expect("kotlin:finalize", "true", "tmp.png deleted", "false");
    expect("kotlin:weak-value", "null");
    expect("kotlin:reclaim-events", "an Image was reclaimed");
    expect("kotlin:reclaim-queue", "tmp-1");
    expect("kotlin:await-reclaimed", "the image was reclaimed");
    expect("kotlin:launch-finalizer", "false", "tmp.png deleted");
    expect("kotlin:container-flow", "cat-64.png");
  }

  private static void expect(String snippet, String... lines) {
    EXPECTED.put(snippet, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
  }

  /** Runs {@code snippet} with {@code System.out} captured (callbacks print on the engine thread). */
  private static String run(ThrowingRunnable snippet) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      snippet.run();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n")
        .replaceAll("0x[0-9a-f]+", "0x…");
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void everySnippet_runsAndPrintsWhatItsCommentsSay() throws Exception {
    Map<String, ThrowingRunnable> snippets = new LinkedHashMap<>();
    snippets.put("java:ref", JavaGuide::ref);
    snippets.put("java:ref-callback", JavaGuide::refCallback);
    snippets.put("java:proxy", JavaGuide::proxy);
    snippets.put("java:weak-key-dictionary", JavaGuide::weakKeyDictionary);
    snippets.put("java:weak-value-dictionary", JavaGuide::weakValueDictionary);
    snippets.put("java:on-reclaim", JavaGuide::onReclaim);
    snippets.put("java:finalize-args", JavaGuide::finalizeArgs);
    snippets.put("kotlin:container-operators", KotlinGuide::containerOperators);
    snippets.put("java:weak-set", JavaGuide::weakSet);
    snippets.put("java:weak-method", JavaGuide::weakMethod);
    snippets.put("java:finalize", JavaGuide::finalizeSnippet);
    snippets.put("java:temp-dir", () -> new TempDir().close());
    snippets.put("java:temp-dir-forgotten", TempDirGuide::forgotten);
    snippets.put("kotlin:ref", KotlinGuide::ref);
    snippets.put("kotlin:ref-callback", KotlinGuide::refCallback);
    snippets.put("kotlin:proxy", KotlinGuide::proxy);
    snippets.put("kotlin:weak-key-dictionary", KotlinGuide::weakKeyDictionary);
    snippets.put("kotlin:weak-value-dictionary", KotlinGuide::weakValueDictionary);
    snippets.put("kotlin:weak-set", KotlinGuide::weakSet);
    snippets.put("kotlin:weak-method", KotlinGuide::weakMethod);
    snippets.put("kotlin:finalize", KotlinGuide::finalizeSnippet);
    snippets.put("kotlin:weak-value", KotlinGuide::weakValueProperty);
    snippets.put("kotlin:reclaim-events", KotlinGuide::reclaimEventsSnippet);
    snippets.put("kotlin:reclaim-queue", KotlinGuide::reclaimQueue);
    snippets.put("kotlin:await-reclaimed", KotlinGuide::awaitReclaimedSnippet);
    snippets.put("kotlin:launch-finalizer", KotlinGuide::launchFinalizerSnippet);
    snippets.put("kotlin:container-flow", KotlinGuide::containerFlow);

    assertEquals(new TreeSet<>(sourceSnippets().keySet()), new TreeSet<>(snippets.keySet()),
        "every tagged region is run here, and nothing else");
    assertEquals(new TreeSet<>(EXPECTED.keySet()), new TreeSet<>(snippets.keySet()));
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, ThrowingRunnable> s : snippets.entrySet()) {
      String printed = run(s.getValue());
      if (!printed.equals(EXPECTED.get(s.getKey()))) {
        wrong.add(s.getKey() + " printed:\n" + printed + "expected:\n" + EXPECTED.get(s.getKey()));
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  @Test
  void readmeBlocks_areTheTaggedSources() throws IOException {
    Map<String, String> sources = sourceSnippets();
    List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
    List<String> problems = new ArrayList<>();
    TreeSet<String> used = new TreeSet<>();
    List<String> rewritten = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      rewritten.add(lines.get(i));
      Matcher m = MARKER.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String fence = i + 1 < lines.size() ? lines.get(i + 1) : "";
      if (!fence.equals("```java") && !fence.equals("```kotlin")) {
        problems.add("README line " + (i + 1) + ": a snippet marker must be followed by ```java or"
            + " ```kotlin");
        continue;
      }
      String key = fence.substring(3) + ":" + m.group(1);
      int end = i + 2;
      while (end < lines.size() && !lines.get(end).equals("```")) {
        end++;
      }
      String block = String.join("\n", lines.subList(i + 2, end)) + "\n";
      String source = sources.get(key);
      used.add(key);
      rewritten.add(fence);
      if (source == null) {
        problems.add("README line " + (i + 1) + ": no tagged region " + key + " in the guide sources");
        rewritten.addAll(lines.subList(i + 2, end));
      } else {
        if (!source.equals(block)) {
          problems.add("README line " + (i + 1) + ": block " + key
              + " differs from its source; README has:\n" + block + "source has:\n" + source);
        }
        rewritten.addAll(List.of(source.split("\n", -1)).subList(0, source.split("\n", -1).length - 1));
      }
      i = end - 1; // the closing fence is copied by the next turn
    }
    TreeSet<String> unused = new TreeSet<>(sources.keySet());
    unused.removeAll(used);
    if (!unused.isEmpty()) {
      problems.add("tagged regions the README never shows: " + unused);
    }
    if (Boolean.getBoolean("readme.update")) {
      Files.write(README, rewritten, StandardCharsets.UTF_8);
      problems.removeIf(p -> p.contains("differs from its source"));
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems)
        + "\n(rewrite the README's blocks from the sources with the command in CONTRIBUTING.md)");
  }

  @Test
  void dependencySnippets_nameThisVersionAndPublishedArtifacts() throws IOException {
    String version = System.getProperty("project.version");
    assertFalse(version == null || version.isEmpty(), "Surefire passes project.version");
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    String bom = Files.readString(MODULE.resolveSibling("bom").resolve("pom.xml"));

    List<String> versions = new ArrayList<>();
    Matcher gradle = Pattern.compile("\"dev\\.weakref:weakref-bom:([^\"]+)\"").matcher(readme);
    while (gradle.find()) {
      versions.add(gradle.group(1));
    }
    Matcher maven = Pattern.compile(
        "<artifactId>weakref-bom</artifactId>\\s*<version>([^<]+)</version>").matcher(readme);
    while (maven.find()) {
      versions.add(maven.group(1));
    }
    assertTrue(versions.size() >= 2, "a Maven and a Gradle import of the BOM: " + versions);
    versions.forEach(v -> assertEquals(version, v, "the README's BOM version"));

    Matcher artifacts = Pattern.compile("(?:<artifactId>|\"dev\\.weakref:)(weakref-[a-z-]+)")
        .matcher(readme);
    int seen = 0;
    while (artifacts.find()) {
      String artifact = artifacts.group(1);
      if (!artifact.equals("weakref-bom")) {
        seen++;
        assertTrue(bom.contains("<artifactId>" + artifact + "</artifactId>"),
            artifact + " is named in the README's dependency snippets but is not in the BOM");
      }
    }
    assertTrue(seen >= 3, "the dependency snippets name the artifacts");
  }

  /** {@code "java:ref"} → the unindented lines of region {@code ref} in the Java guide sources. */
  private static Map<String, String> sourceSnippets() throws IOException {
    Map<String, String> snippets = new LinkedHashMap<>();
    for (String language : List.of("java", "kotlin")) {
      Path dir = MODULE.resolve("src/main").resolve(language).resolve(GUIDE);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.sorted().toList()) {
          readTags(language, file, snippets);
        }
      }
    }
    return snippets;
  }

  private static void readTags(String language, Path file, Map<String, String> into) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = TAG.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String name = m.group(1);
      String endTag = "// end::" + name + "[]";
      int end = i + 1;
      while (end < lines.size() && !lines.get(end).trim().equals(endTag)) {
        end++;
      }
      if (end == lines.size()) {
        fail(file + ": tag " + name + " has no " + endTag);
      }
      String key = language + ":" + name;
      if (into.put(key, unindent(lines.subList(i + 1, end))) != null) {
        fail(file + ": tag " + name + " appears twice among the " + language + " sources");
      }
    }
  }

  private static String unindent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String l : lines) {
      out.append(l.isBlank() ? "" : l.substring(indent).stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
