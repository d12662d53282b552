package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * The engine's hooks for its Flight Recorder events ({@link JfrEvents}), callable whether or not
 * {@code jdk.jfr} is there: the module requires it only statically, so a run-time image or a module
 * graph without it does without the events.
 *
 * <p><b>Nothing until a recorder is up.</b> Setting up an event class costs hundreds of
 * milliseconds (Flight Recorder's metadata, generated handlers) and a few megabytes, which every
 * program using the library would pay, on the engine thread, before its first callback. So the
 * event classes are not touched until this JVM's Flight Recorder has been set up (a recording
 * started from the command line, {@code jcmd}, JMX or code): each batch and each {@code collect()}
 * asks {@code FlightRecorder.isInitialized()} until it says yes, and the callback and failure hooks
 * read only what they last found. A recording started while a batch runs sees that batch's
 * callbacks from the next one on.
 *
 * <p>On the hot path (each batch, each callback) a hook then costs a static final read, a volatile
 * read, then the event type's {@code isEnabled()}: a constant {@code false} until a recording
 * enables it. An event is begun only when it is enabled; the hooks that end one are called only
 * with what a begin returned, so never when nothing records. No hook throws.
 */
final class Jfr {
  private Jfr() {}

  /** Whether {@code jdk.jfr} can be used from here. */
  static final boolean AVAILABLE = available();

  private static boolean available() {
    try {
      Class<?> event = Class.forName("jdk.jfr.Event", false, Jfr.class.getClassLoader());
      return Jfr.class.getModule().canRead(event.getModule());
    } catch (Throwable t) { // not in the image, or not resolved in this module graph
      return false;
    }
  }

  /** Whether this JVM's Flight Recorder was found set up; once true, stays true. */
  private static volatile boolean recorderUp;

  /**
   * Whether events can be recorded: {@code jdk.jfr} is there and the Flight Recorder is set up.
   * Asks the recorder (a call into {@code jdk.jfr}, no event class touched) only if {@code ask}.
   */
  private static boolean recorderUp(boolean ask) {
    if (recorderUp) {
      return true;
    }
    if (!AVAILABLE || !ask) {
      return false;
    }
    try {
      if (Recorder.initialized()) {
        recorderUp = true;
      }
    } catch (Throwable t) {
      // Not allowed (a security manager), or no memory: no events this time.
    }
    return recorderUp;
  }

  /** The one place besides {@link JfrEvents} that names a {@code jdk.jfr} type; loaded on demand. */
  private static final class Recorder {
    static boolean initialized() {
      return jdk.jfr.FlightRecorder.isInitialized();
    }
  }

  /* What the begin hooks begin, for JfrEvents.begin. */
  static final int BATCH = 0;
  static final int CALLBACK = 1;
  static final int COLLECT = 2;

  /** Begins an engine batch's event; {@code null} when nobody records it. */
  static @Nullable Object batchBegin() {
    return begin(BATCH);
  }

  /** Begins a callback's event; {@code null} when nobody records slow callbacks. */
  static @Nullable Object callbackBegin() {
    return begin(CALLBACK);
  }

  /** Begins a {@code collect()} call's event; {@code null} when nobody records it. */
  static @Nullable Object collectBegin() {
    return begin(COLLECT);
  }

  private static @Nullable Object begin(int what) {
    if (!recorderUp(what != CALLBACK)) { // each callback reads what its batch found
      return null;
    }
    try {
      return JfrEvents.begin(what);
    } catch (Throwable t) {
      return null; // jdk.jfr failed to load, or no memory: the engine goes on without the event
    }
  }

  /** Ends and commits what {@link #batchBegin} returned. */
  static void batchEnd(Object event, int references, long callbacks) {
    try {
      JfrEvents.batchEnd(event, references, callbacks);
    } catch (Throwable t) {
      // An event lost (no memory): the engine goes on.
    }
  }

  /** Ends what {@link #callbackBegin} returned; commits it if it ran past the threshold. */
  static void callbackEnd(Object event, Object source) {
    try {
      JfrEvents.callbackEnd(event, source);
    } catch (Throwable t) {
      // As above.
    }
  }

  /** Ends and commits what {@link #collectBegin} returned. */
  static void collectEnd(Object event, int gcs, boolean nested, boolean succeeded) {
    try {
      JfrEvents.collectEnd(event, gcs, nested, succeeded);
    } catch (Throwable t) {
      // As above.
    }
  }

  /** Records that {@code source} threw {@code error}, reported to the unraisable hook. */
  static void failed(Throwable error, @Nullable Object source) {
    if (!recorderUp(true)) {
      return;
    }
    try {
      JfrEvents.failed(error, source);
    } catch (Throwable t) {
      // As above (getMessage() is the exception's own code, too).
    }
  }
}
