package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * The engine's Flight Recorder events, recorded to a file and read back: {@code dev.weakref.Collect},
 * {@code dev.weakref.EngineBatch}, {@code dev.weakref.SlowCallback} (past the recording's threshold
 * only) and {@code dev.weakref.CallbackFailed} (callbacks and finalizers that threw).
 *
 * <p>The slow callback sleeps: it waits for nothing, it is slow on purpose. The fast one, which does
 * nothing, would have to be held up for as long as the threshold (400 ms) to be recorded too.
 *
 * <p>Each test's events name classes of their own ({@link ZeroThresholdRef}): on JDK 17, a
 * recording read back in CI gave {@code null} for the {@code sourceClass} string
 * {@code "dev.weakref.WeakRef"} that an earlier recording in the same JVM had also written (the
 * Flight Recorder pools such strings across recordings). These tests assume no other recording
 * runs meanwhile (one from the command line would merge its settings with theirs).
 */
final class EngineJfrEventsTest {
  private static final Duration THRESHOLD = Duration.ofMillis(400);
  private static final long SLOW_MS = 600;

  @Test
  void recording_getsBatchesCollectsSlowAndFailedCallbacks_withTheirFields() throws Exception {
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    UnraisableHook old = Reclaimer.setUnraisableHook((error, source) -> reported.add(error));
    List<String> ran = new CopyOnWriteArrayList<>();
    Path file = Files.createTempFile("weakref-engine", ".jfr");
    int[] identities = new int[3];
    try (Recording recording = new Recording()) {
      recording.enable("dev.weakref.EngineBatch");
      recording.enable("dev.weakref.Collect");
      recording.enable("dev.weakref.CallbackFailed");
      recording.enable("dev.weakref.SlowCallback").withThreshold(THRESHOLD);
      recording.start();

      makeGarbage(ran, identities);
      Reclaimer.collect();

      recording.stop();
      recording.dump(file);
    } finally {
      Reclaimer.setUnraisableHook(old);
    }
    assertEquals(List.of("nested collect"), ran.stream().filter(s -> s.startsWith("nested")).toList());
    assertTrue(ran.containsAll(List.of("fast", "slow", "failing", "failing finalizer")), ran.toString());
    assertEquals(2, reported.size(), reported.toString());

    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    Files.delete(file);
    String all = events.toString();

    // Each collect(): the test's own, and the one a callback made on the engine thread.
    List<RecordedEvent> collects = named(events, "dev.weakref.Collect");
    assertEquals(2, collects.size(), all);
    for (RecordedEvent c : collects) {
      assertTrue(c.getInt("gcs") >= 3, "a collect() forces at least three collections: " + c);
      assertTrue(c.getBoolean("succeeded"), c.toString());
    }
    assertEquals(1, collects.stream().filter(c -> c.getBoolean("nested")).count(), all);
    RecordedEvent outer = collects.stream().filter(c -> !c.getBoolean("nested")).findFirst().get();
    assertEquals(Thread.currentThread().getName(), outer.getThread().getJavaName());
    assertTrue(outer.getDuration().toMillis() >= SLOW_MS, "collect() waited for the slow callback");

    // Batches: all the callbacks were run in some batch, the slow one in a batch that long.
    List<RecordedEvent> batches = named(events, "dev.weakref.EngineBatch");
    assertFalse(batches.isEmpty(), all);
    for (RecordedEvent b : batches) {
      assertEquals("weakref-reclaimer", b.getThread().getJavaName());
      assertTrue(b.getInt("references") >= 1, b.toString());
    }
    assertTrue(batches.stream().mapToLong(b -> b.getLong("callbacks")).sum() >= 5, all);
    assertTrue(batches.stream().anyMatch(b -> b.getDuration().toMillis() >= SLOW_MS), all);

    // Slow callbacks: past the threshold only, named by their ref's class and identity. The slow one;
    // the nested collect()'s too if that collect() ran the slow one (the batch's order is the
    // collector's). The fast one only if its run did take the threshold: this thread's collect()
    // forces collections while the engine runs callbacks, and on a loaded machine one of them, or
    // the scheduler, can hold the fast callback that long. Every event's duration shows it ran
    // past the threshold, which the fast callback's would not if each run were recorded. That a run
    // under the threshold is never reported is shown without luck by JfrSlowCallbackTest, and that
    // each event brackets its own callback only by the test below.
    List<RecordedEvent> slow = named(events, "dev.weakref.SlowCallback");
    RecordedEvent slowOne = slow.stream()
        .filter(e -> e.getInt("sourceIdentity") == identities[0]).findFirst().orElseThrow();
    assertEquals(WeakRef.class.getName(), slowOne.getString("sourceClass"));
    assertTrue(slowOne.getDuration().toMillis() >= SLOW_MS, slowOne.toString());
    for (RecordedEvent e : slow) {
      int source = e.getInt("sourceIdentity");
      assertTrue(source == identities[0] || source == identities[1] || source == identities[2],
          "a slow callback of none of this test's refs: " + e);
      assertTrue(e.getDuration().compareTo(THRESHOLD) >= 0, e.toString());
    }

    // Failures: the callback's and the finalizer's, with the exception each threw.
    List<RecordedEvent> failed = named(events, "dev.weakref.CallbackFailed");
    assertEquals(2, failed.size(), all);
    assertEquals(List.of("callback boom", "finalizer boom"),
        failed.stream().map(f -> f.getString("message")).sorted().collect(Collectors.toList()));
    for (RecordedEvent f : failed) {
      assertEquals(IllegalStateException.class.getName(), f.getString("exceptionClass"));
      assertNotNull(f.getString("sourceClass"));
      assertEquals("weakref-reclaimer", f.getThread().getJavaName());
    }
    // The source the unraisable hook is given: the callback (a lambda of this class), the finalizer.
    assertTrue(failed.stream().anyMatch(f -> f.getString("message").equals("callback boom")
        && f.getString("sourceClass").startsWith(EngineJfrEventsTest.class.getName())), all);
    assertTrue(failed.stream().anyMatch(f -> f.getString("message").equals("finalizer boom")
        && f.getString("sourceClass").equals("dev.weakref.FinalizerRef")), all);
  }

  /**
   * Each callback's event brackets that callback alone: under a zero threshold every callback of a
   * batch is recorded, fast ones included, once each, and their intervals on the engine thread never
   * overlap (they run one after another). An event begun for a whole batch, or left open across
   * callbacks, would overlap the next. Whether a run is reported at all is the threshold's decision,
   * taken directly in {@code JfrSlowCallbackTest}.
   */
  @Test
  void recordingWithZeroThreshold_recordsEachCallbackOnceWithinItsOwnRun() throws Exception {
    Path file = Files.createTempFile("weakref-engine", ".jfr");
    int[] identities = new int[4];
    List<String> ran = new CopyOnWriteArrayList<>();
    try (Recording recording = new Recording()) {
      recording.enable("dev.weakref.SlowCallback").withThreshold(Duration.ZERO);
      recording.start();
      makeFastGarbage(ran, identities);
      Reclaimer.collect();
      recording.stop();
      recording.dump(file);
    }
    assertEquals(identities.length, ran.size(), ran.toString());
    List<RecordedEvent> events;
    try {
      events = named(RecordingFile.readAllEvents(file), "dev.weakref.SlowCallback");
    } finally {
      Files.delete(file);
    }
    List<RecordedEvent> ours = new ArrayList<>();
    for (int identity : identities) {
      List<RecordedEvent> its = events.stream()
          .filter(e -> e.getInt("sourceIdentity") == identity).toList();
      assertEquals(1, its.size(), "events of one callback: " + its);
      assertEquals(ZeroThresholdRef.class.getName(), its.get(0).getString("sourceClass"));
      assertEquals("weakref-reclaimer", its.get(0).getThread().getJavaName());
      ours.add(its.get(0));
    }
    for (RecordedEvent a : ours) {
      for (RecordedEvent b : ours) {
        assertTrue(a == b || !a.getEndTime().isAfter(b.getStartTime())
            || !b.getEndTime().isAfter(a.getStartTime()), "overlapping callbacks: " + a + b);
      }
    }
  }

  /** A ref of a class that only the zero-threshold test's recording names. */
  private static final class ZeroThresholdRef extends WeakRef<Object> {
    ZeroThresholdRef(Object referent, List<String> ran) {
      super(referent, r -> ran.add("fast"));
    }
  }

  /** Referents that die once this returns, each with a do-nothing callback. */
  private static void makeFastGarbage(List<String> ran, int[] identities) {
    for (int i = 0; i < identities.length; i++) {
      WeakRef<Object> wr = new ZeroThresholdRef(new Object(), ran);
      identities[i] = System.identityHashCode(wr);
      keep(wr);
    }
  }

  /** Referents that die once this returns, with a slow, a fast, a failing and a nested callback. */
  private static void makeGarbage(List<String> ran, int[] identities) {
    WeakRef<Object> slow = new WeakRef<>(new Object(), r -> {
      ran.add("slow");
      try {
        Thread.sleep(SLOW_MS); // sleep-ok: slow on purpose (a slow callback), it waits for no collection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    WeakRef<Object> fast = new WeakRef<>(new Object(), r -> ran.add("fast"));
    identities[0] = System.identityHashCode(slow);
    identities[1] = System.identityHashCode(fast);
    keep(slow, fast);
    keep(new WeakRef<>(new Object(), r -> {
      ran.add("failing");
      throw new IllegalStateException("callback boom");
    }));
    WeakRef<Object> nested = new WeakRef<>(new Object(), r -> {
      Reclaimer.collect(); // nested: runs on the engine thread
      ran.add("nested collect");
    });
    identities[2] = System.identityHashCode(nested);
    keep(nested);
    Finalizer.of(new Object(), () -> {
      ran.add("failing finalizer");
      throw new IllegalStateException("finalizer boom");
    });
  }

  /** The refs must outlive their referents for their callbacks to run. */
  private static final List<Object> KEPT = new CopyOnWriteArrayList<>();

  private static void keep(Object... refs) {
    KEPT.addAll(List.of(refs));
  }

  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
  }
}
