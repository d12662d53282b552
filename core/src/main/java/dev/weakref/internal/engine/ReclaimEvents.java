package dev.weakref.internal.engine;

import dev.weakref.ReclaimRegistration;
import dev.weakref.engine.ReclaimEvent;
import dev.weakref.engine.ReclaimEvent.Kind;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.internal.ListenerList;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Publishes {@link ReclaimEvent}s to the {@link ReclaimListener}s: one place for every kind of
 * reclaim, so that refs, finalizers and containers are reported alike.
 *
 * <p><b>Internal:</b> public so that the finalizers and weak containers of {@code dev.weakref} can
 * report what they reclaim; applications add listeners with {@link dev.weakref.engine.Reclaimer#addListener}.
 *
 * <p><b>Cost.</b> While no one listens, reporting a reclaim is one volatile read (of the listener
 * array) and nothing else: the finalizer and container paths are hot. While someone listens, the
 * engine thread writes what it knows into a buffer; at the end of each of its batches (or every
 * {@value #BATCH} events) it stamps the events with the time and their sequence numbers and hands
 * the whole batch to each listener at once, so a listener that forwards to a channel pays one
 * hand-over per batch rather than per event. A finalizer run on another thread ({@code call()}, the
 * exit hook) queues its event and wakes the engine, which delivers it: listeners only ever run on
 * the engine thread, one at a time.
 */
public final class ReclaimEvents {
  /** At most this many events are delivered in one batch. */
  static final int BATCH = 256;

  /** The listeners, copied on write; its snapshot is the one volatile read of the hot paths. */
  private static final ListenerList<ReclaimListener> LISTENERS = new ListenerList<>();

  /*
   * The engine thread's buffer: what is known of each event until the batch is delivered. BATCH
   * long, but grown while a flush delivers (a listener's collect() may cause any number of events),
   * and shrunk back once the flush is done.
   */
  private static Kind[] kinds = new Kind[BATCH];
  private static @Nullable Class<?>[] types = new Class<?>[BATCH];
  private static int[] hashes = new int[BATCH];
  private static int[] callbacks = new int[BATCH];
  private static int size;
  private static long sequence;
  /**
   * Whether a flush is delivering (listeners run); engine thread only. Events buffered meanwhile
   * (by a listener's collect()) wait for that flush's next round: a listener never hears of a newer
   * batch before every listener heard of the older one, nor runs inside itself.
   */
  private static boolean flushing;

  /** Events of other threads, for the engine thread to deliver; woken by one {@link Wake}. */
  private static final ConcurrentLinkedQueue<Pending> offThread = new ConcurrentLinkedQueue<>();
  private static final AtomicBoolean wakeQueued = new AtomicBoolean();

  private ReclaimEvents() {}

  /* ---- Listeners ---- */

  /**
   * Adds a listener: see {@link dev.weakref.engine.Reclaimer#addListener}.
   *
   * @param listener the listener
   * @return its registration
   */
  public static ReclaimRegistration add(ReclaimListener listener) {
    ReclaimRegistration r = LISTENERS.add(listener);
    Engine.repin(); // after publishing it: a listener keeps the engine thread, see Engine
    return r;
  }

  /**
   * Closes the oldest registration of a listener equal to {@code listener}.
   *
   * @param listener the listener
   * @return whether there was one
   */
  public static boolean remove(ReclaimListener listener) {
    return LISTENERS.remove(listener);
  }

  /**
   * Returns whether any listener is registered: the one volatile read that a reclaim costs while
   * none is.
   *
   * @return whether events are being published
   */
  public static boolean listening() {
    return !LISTENERS.isEmpty();
  }

  /* ---- Reporting ---- */

  /** A referent of tracked refs was reclaimed and its callbacks ran; engine thread only. */
  static void referentReclaimed(@Nullable Class<?> type, int hash, int fired) {
    if (!LISTENERS.isEmpty() && type != null) {
      buffer(Kind.REFERENT, type, hash, fired);
    }
  }

  /**
   * Reports a weak container entry dropped because its weak side was reclaimed. Called by the
   * containers on the engine thread.
   *
   * @param weakKeys whether the key was the weak side (a key dictionary or a set)
   * @param set whether the container is a set
   */
  public static void entryReclaimed(boolean weakKeys, boolean set) {
    if (!LISTENERS.isEmpty()) {
      report(weakKeys ? (set ? Kind.WEAK_SET_ELEMENT : Kind.WEAK_KEY) : Kind.WEAK_VALUE, null, 0);
    }
  }

  /**
   * Reports a finalizer whose function just ran after reclamation (on the engine thread) or at
   * exit (on the exit hook's thread). Call it only when {@link #listening()}. At exit, waits (at
   * most two seconds over the whole exit run) until the engine has delivered the event, since the
   * JVM halts once the shutdown hooks have finished.
   *
   * @param obj the finalizer's object if it still has it (at exit), else {@code null}
   */
  public static void finalizerRan(@Nullable Object obj) {
    if (Engine.isEngineThread()) {
      report(Kind.FINALIZER_RECLAIMED, obj, 1);
    } else {
      report(Kind.FINALIZER_AT_EXIT, obj, 1);
      ExitDelivery.await(); // the JVM halts once the hooks are done: see that listeners heard of it
    }
  }

  /**
   * Returns whether {@code t} is inside {@code Runtime.exit}, from which it never returns: it either
   * runs the shutdown (and waits for the shutdown hooks) or blocks behind the one under way. The
   * current thread counts as exiting: this is asked by the exit hook's thread about others.
   *
   * <p><b>Internal:</b> public for the finalizers' exit hook in {@code dev.weakref}.
   *
   * @param t the thread to look at
   * @return whether {@code t} is exiting; {@code false} if its stack may not be read
   */
  public static boolean isExiting(Thread t) {
    if (t == Thread.currentThread()) {
      return true;
    }
    StackTraceElement[] stack;
    try {
      stack = t.getStackTrace();
    } catch (SecurityException denied) {
      return false; // cannot tell: wait for it, as before
    }
    for (StackTraceElement e : stack) {
      String c = e.getClassName();
      if (e.getMethodName().equals("exit")
          && (c.equals("java.lang.Shutdown") || c.equals("java.lang.Runtime"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Notes, before a finalizer's function runs because it was called, what its event will say; pass
   * the result to {@link #finalizerCalled} once the function has run. Call it only when
   * {@link #listening()}.
   *
   * @param obj the finalizer's object, or {@code null} if it is gone already
   * @return the event to publish
   */
  public static Object finalizerCalling(@Nullable Object obj) {
    return obj == null
        ? new Pending(Kind.FINALIZER_CALLED, null, 0, 1)
        : new Pending(Kind.FINALIZER_CALLED, obj.getClass(), System.identityHashCode(obj), 1);
  }

  /**
   * Publishes what {@link #finalizerCalling} noted, after the function ran.
   *
   * @param noted its result, or {@code null} if no one listened then (nothing is published)
   */
  public static void finalizerCalled(@Nullable Object noted) {
    if (noted instanceof Pending p) {
      publish(p);
    }
  }

  private static void report(Kind kind, @Nullable Object obj, int fired) {
    Class<?> type = obj == null ? null : obj.getClass();
    int hash = obj == null ? 0 : System.identityHashCode(obj);
    if (Engine.isEngineThread()) {
      buffer(kind, type, hash, fired);
    } else {
      handOver(new Pending(kind, type, hash, fired));
    }
  }

  private static void publish(Pending p) {
    if (Engine.isEngineThread()) {
      buffer(p.kind, p.type, p.hash, p.callbacks);
    } else {
      handOver(p);
    }
  }

  private static void handOver(Pending p) {
    offThread.add(p);
    if (wakeQueued.compareAndSet(false, true)) {
      new Wake().enqueue(); // the engine delivers it, so that listeners run on its thread only
    }
  }

  /** What is known of an event before the engine delivers it. */
  private static final class Pending {
    final Kind kind;
    final @Nullable Class<?> type;
    final int hash;
    final int callbacks;

    Pending(Kind kind, @Nullable Class<?> type, int hash, int callbacks) {
      this.kind = kind;
      this.type = type;
      this.hash = hash;
      this.callbacks = callbacks;
    }
  }

  /** Enqueued on the engine's queue to have it take the events of other threads. */
  private static final class Wake extends EngineReference<Object> {
    Wake() {
      super(null);
    }

    @Override
    protected void reclaimed() {
      wakeQueued.set(false); // before taking: an event added after the take wakes the engine again
      for (Pending p; (p = offThread.poll()) != null; ) {
        if (!LISTENERS.isEmpty()) {
          buffer(p.kind, p.type, p.hash, p.callbacks);
        }
      }
    }
  }

  /* ---- The engine thread's buffer ---- */

  private static void buffer(Kind kind, @Nullable Class<?> type, int hash, int fired) {
    int i = size;
    if (i == kinds.length) {
      grow(); // full while a flush delivers: it takes these in its next round
    }
    kinds[i] = kind;
    types[i] = type;
    hashes[i] = hash;
    callbacks[i] = fired;
    size = i + 1;
    if (i + 1 >= BATCH && !flushing) {
      flush();
    }
  }

  private static void grow() {
    int n = kinds.length * 2;
    kinds = java.util.Arrays.copyOf(kinds, n);
    types = java.util.Arrays.copyOf(types, n);
    hashes = java.util.Arrays.copyOf(hashes, n);
    callbacks = java.util.Arrays.copyOf(callbacks, n);
  }

  /**
   * Delivers the buffered events to the listeners registered now, in batches of at most
   * {@link #BATCH}, until the buffer is empty, including what the listeners' own {@code collect()}
   * calls buffered meanwhile; engine thread only, at the end of each batch of the engine's work
   * (before {@code collect()} is told it is done) and whenever the buffer fills. Called while a
   * flush delivers, it does nothing: that flush goes on until the buffer is empty.
   */
  static void flush() {
    if (flushing || size == 0) {
      return;
    }
    flushing = true;
    try {
      while (size != 0) {
        deliverBuffered();
      }
    } finally {
      flushing = false;
      if (kinds.length > BATCH && size <= BATCH) {
        shrink();
      }
    }
  }

  private static void shrink() {
    kinds = java.util.Arrays.copyOf(kinds, BATCH);
    types = java.util.Arrays.copyOf(types, BATCH);
    hashes = java.util.Arrays.copyOf(hashes, BATCH);
    callbacks = java.util.Arrays.copyOf(callbacks, BATCH);
  }

  /** Stamps what the buffer holds and hands it to the listeners; empties the buffer first. */
  private static void deliverBuffered() {
    int n = size;
    size = 0;
    List<ReclaimListener> ls = LISTENERS.snapshot();
    ReclaimEvent[] out = ls.isEmpty() ? null : new ReclaimEvent[n];
    long now = out == null ? 0 : System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (out != null) {
        Class<?> type = types[i];
        out[i] = new ReclaimEvent(kinds[i], type == null ? Object.class : type, hashes[i],
            callbacks[i], now, ++sequence);
      }
      types[i] = null; // pin no class loader until the next batch
    }
    if (out == null) {
      return; // the last listener left meanwhile: no one to tell
    }
    // Copied out before any listener runs: one that makes the engine work re-entrantly buffers anew.
    listenersRan = true;
    for (int from = 0; from < n; from += BATCH) {
      List<ReclaimEvent> batch = new Batch(
          from == 0 && n <= BATCH ? out : java.util.Arrays.copyOfRange(out, from,
              Math.min(n, from + BATCH)));
      for (int k = 0; k < ls.size(); k++) { // no iterator to allocate
        ReclaimListener l = ls.get(k);
        Engine.LOOP.userCode.userCodeStarting(l, null); // named for the watchdog, as a callback is
        try {
          l.onReclaimBatch(batch);
        } catch (Throwable t) {
          Unraisable.report(t, l);
        } finally {
          // A listener, like a callback, leaves nothing on the thread.
          Engine.LOOP.userCode.finishedRunning(l);
        }
      }
    }
  }

  /** Set when a flush ran listeners (user code); engine thread only. */
  private static boolean listenersRan;

  /**
   * Says whether listeners ran since the last call, and forgets it: the loop then hands its work to
   * a fresh thread in time, as after a callback, so that no thread-local a listener set outlives it.
   */
  static boolean takeListenersRan() {
    boolean ran = listenersRan;
    listenersRan = false;
    return ran;
  }

  /** An immutable list over the events of one batch, shared by its listeners. */
  private static final class Batch extends AbstractList<ReclaimEvent> implements RandomAccess {
    private final ReclaimEvent[] events;

    Batch(ReclaimEvent[] events) {
      this.events = events;
    }

    @Override
    public ReclaimEvent get(int index) {
      return events[index];
    }

    @Override
    public int size() {
      return events.length;
    }
  }
}
