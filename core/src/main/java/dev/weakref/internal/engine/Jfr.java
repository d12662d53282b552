package dev.weakref.internal.engine;

import org.jspecify.annotations.Nullable;

/**
 * The engine's hooks for its Flight Recorder events ({@link JfrEvents}), callable whether or not
 * {@code jdk.jfr} is there: the module requires it only statically, so a run-time image or a module
 * graph without it does without the events.
 *
 * <p>On the hot path (each batch, each callback) a hook costs a static final read, then, when
 * {@code jdk.jfr} is there, the event type's {@code isEnabled()}: a constant {@code false} until a
 * recording is started. An event is begun only when it is enabled; the hooks that end one are
 * called only with what a begin returned, so never when nothing records. No hook throws.
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
    if (!AVAILABLE) {
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
    if (!AVAILABLE) {
      return;
    }
    try {
      JfrEvents.failed(error, source);
    } catch (Throwable t) {
      // As above (getMessage() is the exception's own code, too).
    }
  }
}
