package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the engine's start costs a program that records nothing: the Flight Recorder's event
 * classes are not set up (that took hundreds of milliseconds on the engine thread, before the first
 * callback) unless this JVM's recorder is; when it is, from the command line, they are. Child JVMs,
 * for a fresh class loading log each.
 */
final class EngineStartTest {

  @Test
  void withoutARecorder_theEngineLoadsNoFlightRecorderEventClass() throws Exception {
    List<String> out = start();
    assertTrue(out.stream().noneMatch(l -> l.contains("JfrEvents")),
        "event classes loaded: " + matching(out, "JfrEvents"));
    // Asking whether the recorder is up loads a few of its classes; setting it up loads ~100, among
    // them the metadata repository and the generated event handlers.
    for (String setUp : List.of("jdk.jfr.internal.MetadataRepository", "jdk.jfr.internal.handlers")) {
      assertTrue(out.stream().noneMatch(l -> l.contains(setUp)),
          "Flight Recorder set up: " + matching(out, " jdk.jfr.").size() + " classes");
    }
  }

  @Test
  void withARecordingFromTheCommandLine_theEngineSetsUpItsEvents() throws Exception {
    List<String> out = start("-XX:StartFlightRecording");
    assertTrue(out.stream().anyMatch(l -> l.contains("JfrEvents$EngineBatch")), String.join("\n",
        matching(out, "dev.weakref.internal.engine")));
  }

  private static List<String> start(String... options) throws Exception {
    String[] all = new String[options.length + 1];
    all[0] = "-Xlog:class+load=info:stdout";
    System.arraycopy(options, 0, all, 1, options.length);
    ChildJvm.Result r = ChildJvm.run(EngineStartChild.class, all);
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stdout().contains("callbacks ran: 1"), "child said: " + matching(r.stdout(), "callbacks"));
    return r.stdout();
  }

  private static List<String> matching(List<String> lines, String part) {
    return lines.stream().filter(l -> l.contains(part)).toList();
  }
}
