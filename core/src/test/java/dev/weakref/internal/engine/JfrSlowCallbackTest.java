package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * The decision to report a callback as {@code dev.weakref.SlowCallback}, taken directly: the engine
 * begins the event before each callback ({@code JfrEvents.begin(Jfr.CALLBACK)}) and ends it after
 * ({@code JfrEvents.callbackEnd}), which commits it only if the run lasted the recording's threshold.
 * Here the run between the two is given: a pause of {@link #RUN} (at least that long, whatever the
 * load), against a threshold far above it (no event, unless this thread were held for an hour) and
 * one below it (one event, with its fields); and no run at all under a zero threshold (one
 * event). {@code EngineJfrEventsTest} checks the wiring end to end; there a do-nothing callback may
 * be held past a threshold by a loaded machine, here nothing can turn a run below the threshold
 * into an event.
 */
final class JfrSlowCallbackTest {
  /*
   * Each test's source is of a class of its own: on JDK 17, a recording read back in CI gave null
   * for a sourceClass string that an earlier recording in the same JVM had also written (the Flight
   * Recorder pools such strings across recordings; see EngineJfrEventsTest).
   */
  private static final class BelowTheThreshold {}

  private static final class PastTheThreshold {}

  private static final class UnderAZeroThreshold {}

  /** How long the given run lasts at least. */
  private static final Duration RUN = Duration.ofMillis(100);

  @Test
  void callbackBelowTheThreshold_isNotReported() throws Exception {
    Object source = new BelowTheThreshold();
    List<RecordedEvent> events = record(Duration.ofHours(1), source, RUN);
    assertEquals(List.of(), events, "a run of " + RUN + " under a threshold of an hour");
  }

  @Test
  void callbackPastTheThreshold_isReportedWithItsSource() throws Exception {
    Object source = new PastTheThreshold();
    // A threshold a third under the run: JFR's clock and the pause's may differ a little.
    Duration threshold = RUN.multipliedBy(2).dividedBy(3);
    List<RecordedEvent> events = record(threshold, source, RUN);
    assertEquals(1, events.size(), events.toString());
    RecordedEvent e = events.get(0);
    assertEquals(PastTheThreshold.class.getName(), e.getString("sourceClass"));
    assertEquals(System.identityHashCode(source), e.getInt("sourceIdentity"));
    assertTrue(e.getDuration().compareTo(threshold) >= 0, e.toString());
    assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName());
  }

  @Test
  void anyCallbackUnderAZeroThreshold_isReported() throws Exception {
    Object source = new UnderAZeroThreshold();
    List<RecordedEvent> events = record(Duration.ZERO, source, Duration.ZERO);
    assertEquals(1, events.size(), events.toString());
  }

  @Test
  void callbackUnrecorded_beginsNoEvent() throws Exception {
    try (Recording recording = new Recording()) {
      recording.disable("dev.weakref.SlowCallback");
      recording.start();
      assertNull(JfrEvents.begin(Jfr.CALLBACK), "an event begun while nobody records it");
      recording.stop();
    }
  }

  /**
   * Runs one callback's event as the engine does, with {@code run} between its begin and its end,
   * under a recording of {@code dev.weakref.SlowCallback} with {@code threshold}; returns the events
   * recorded for {@code source} (other tests' leftover callbacks may run on the engine meanwhile).
   */
  private static List<RecordedEvent> record(Duration threshold, Object source, Duration run)
      throws Exception {
    Path file = Files.createTempFile("weakref-slow-callback", ".jfr");
    try {
      try (Recording recording = new Recording()) {
        recording.enable("dev.weakref.SlowCallback").withThreshold(threshold);
        recording.start();
        Object event = JfrEvents.begin(Jfr.CALLBACK);
        assertNotNull(event, "the recording enables the event");
        if (!run.isZero()) {
          Thread.sleep(run.toMillis()); // sleep-ok: the callback's given run time, not a wait for the GC
        }
        JfrEvents.callbackEnd(event, source);
        recording.stop();
        recording.dump(file);
      }
      int identity = System.identityHashCode(source);
      return RecordingFile.readAllEvents(file).stream()
          .filter(e -> e.getEventType().getName().equals("dev.weakref.SlowCallback"))
          .filter(e -> e.getInt("sourceIdentity") == identity)
          .toList();
    } finally {
      Files.delete(file);
    }
  }
}
