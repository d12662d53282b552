package dev.weakref.internal.engine;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import org.jspecify.annotations.Nullable;

/**
 * The engine's Flight Recorder events, and the only class that names {@code jdk.jfr} types: it is
 * loaded only through {@link Jfr}, and only when {@code jdk.jfr} is readable.
 *
 * <p>Each method first asks its event type whether anyone records it, through a probe instance
 * made once ({@link Event#isEnabled()} depends on the type only): while no recording has the event
 * enabled, that check is all an engine batch, a callback or a {@code collect()} pays, and nothing
 * is allocated.
 */
final class JfrEvents {
  private JfrEvents() {}

  @Name("dev.weakref.EngineBatch")
  @Label("Engine Batch")
  @Category({"weakref"})
  @Description("One batch of the weakref-reclaimer thread: the references it took off the queue at"
      + " once, and the callbacks they ran")
  @StackTrace(false)
  static final class EngineBatch extends Event {
    @Label("References")
    @Description("References taken off the queue in this batch (cleared refs, finalizers, container"
        + " entries, the engine's own markers)")
    int references;

    @Label("Callbacks Run")
    @Description("Callbacks, finalizers and container unlinks run during the batch, including"
        + " those of collect() calls made by its callbacks")
    long callbacks;
  }

  @Name("dev.weakref.SlowCallback")
  @Label("Slow Callback")
  @Category({"weakref"})
  @Description("A callback or finalizer that ran longer than the threshold (a setting of this"
      + " event, 10 ms unless the recording says otherwise): it held up every reclaim behind it")
  @Threshold("10 ms")
  @StackTrace(false)
  static final class SlowCallback extends Event {
    @Label("Source Class")
    @Description("The class of the reference, proxy or finalizer whose callback ran")
    @Nullable String sourceClass;

    @Label("Source Identity")
    @Description("System.identityHashCode of that reference, proxy or finalizer")
    int sourceIdentity;
  }

  @Name("dev.weakref.CallbackFailed")
  @Label("Callback Failed")
  @Category({"weakref"})
  @Description("A callback, finalizer or listener threw; the exception went to the unraisable hook"
      + " and counts in ReclaimStats.callbackFailures")
  @StackTrace(false)
  static final class CallbackFailed extends Event {
    @Label("Source Class")
    @Description("The class of the source given to the unraisable hook (the callback, finalizer or"
        + " listener that threw, or the reference it belongs to); empty if none was named")
    @Nullable String sourceClass;

    @Label("Exception Class")
    @Description("The class of the exception thrown")
    @Nullable String exceptionClass;

    @Label("Message")
    @Description("The exception's message")
    @Nullable String message;
  }

  @Name("dev.weakref.Collect")
  @Label("Collect")
  @Category({"weakref"})
  @Description("A Reclaimer.collect() call: the collections it forced and the wait until every"
      + " callback they caused had run")
  static final class Collect extends Event {
    @Label("GCs Forced")
    @Description("System.gc() calls made by this collect()")
    int gcs;

    @Label("Nested")
    @Description("Whether a callback called it, on the weakref-reclaimer thread")
    boolean nested;

    @Label("Succeeded")
    @Description("Whether it returned normally (false: it timed out, was interrupted or refused)")
    boolean succeeded;
  }

  /* Probes: isEnabled() reads the event type's state, whichever instance asks. */
  private static final EngineBatch BATCH_PROBE = new EngineBatch();
  private static final SlowCallback SLOW_PROBE = new SlowCallback();
  private static final CallbackFailed FAILED_PROBE = new CallbackFailed();
  private static final Collect COLLECT_PROBE = new Collect();

  /**
   * Begins an event of the type {@code what} (one of {@link Jfr}'s constants) if anyone records
   * it; else allocates nothing.
   *
   * @return the event, for the end hook of its type; {@code null} when nobody records it
   */
  static @Nullable Object begin(int what) {
    Event e = switch (what) {
      case Jfr.BATCH -> BATCH_PROBE.isEnabled() ? new EngineBatch() : null;
      case Jfr.CALLBACK -> SLOW_PROBE.isEnabled() ? new SlowCallback() : null;
      default -> COLLECT_PROBE.isEnabled() ? new Collect() : null;
    };
    if (e != null) {
      e.begin();
    }
    return e;
  }

  /** Ends what {@link #begin} returned: that event if it is to be committed, else {@code null}. */
  private static @Nullable Event ended(Object event) {
    Event e = (Event) event;
    e.end();
    return e.shouldCommit() ? e : null;
  }

  static void batchEnd(Object event, int references, long callbacks) {
    if (ended(event) instanceof EngineBatch e) {
      e.references = references;
      e.callbacks = callbacks;
      e.commit();
    }
  }

  static void callbackEnd(Object event, Object source) {
    if (ended(event) instanceof SlowCallback e) { // past the threshold: only now is the source read
      e.sourceClass = source.getClass().getName();
      e.sourceIdentity = System.identityHashCode(source);
      e.commit();
    }
  }

  static void collectEnd(Object event, int gcs, boolean nested, boolean succeeded) {
    if (ended(event) instanceof Collect e) {
      e.gcs = gcs;
      e.nested = nested;
      e.succeeded = succeeded;
      e.commit();
    }
  }

  static void failed(Throwable error, @Nullable Object source) {
    if (!FAILED_PROBE.isEnabled()) {
      return;
    }
    CallbackFailed e = new CallbackFailed();
    if (e.shouldCommit()) {
      e.sourceClass = source == null ? "" : source.getClass().getName();
      e.exceptionClass = error.getClass().getName();
      e.message = error.getMessage(); // Throwable's own: the exception is already the hook's
      e.commit();
    }
  }
}
