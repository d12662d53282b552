package dev.weakref.engine;

/**
 * One reclaim, as seen by a {@link ReclaimListener}: a referent of refs, proxies or
 * {@code WeakMethod}s reclaimed, a finalizer run, or a weak container's entry dropped.
 *
 * <p>The referent itself is gone (or, for a finalizer run by {@code call()} or at exit, no longer
 * watched); the event keeps only what was known about it. What is known depends on the
 * {@linkplain #kind() kind}:
 *
 * <ul>
 *   <li>{@link Kind#REFERENT}, {@link Kind#FINALIZER_CALLED}, {@link Kind#FINALIZER_AT_EXIT}: the
 *       referent's class and identity hash. The engine keeps both with each ref, and a finalizer run
 *       by a call or at exit still has its object.
 *   <li>{@link Kind#FINALIZER_RECLAIMED}, {@link Kind#WEAK_KEY}, {@link Kind#WEAK_VALUE},
 *       {@link Kind#WEAK_SET_ELEMENT}: neither is recoverable once the collector has cleared the
 *       reference, and recording them at registration would add bytes to every finalizer and every
 *       container entry (whose sizes are pinned by benchmarks). {@link #referentType()} is then
 *       {@code Object.class} and {@link #identityHash()} is 0.
 * </ul>
 *
 * <p>{@link #referentKnown()} says which case an event is (a finalizer run at exit whose object was
 * already gone is unknown too).
 *
 * <p>Events are published on the {@code weakref-reclaimer} thread, in {@link #sequence()} order.
 * Those of one engine batch are delivered together (see {@link ReclaimListener#onReclaimBatch}).
 *
 * @param kind what was reclaimed or run
 * @param referentType the class of the reclaimed object; {@code Object.class} when not known
 * @param identityHash its {@link System#identityHashCode identity hash}, as printed by
 *     {@code WeakRef.toString()} ({@code "at 0x…"}); 0 when not known
 * @param callbacks how many callbacks ran for it: for {@link Kind#REFERENT}, the refs and proxies
 *     still reachable at reclaim time that had one; 1 for a finalizer; 0 for a container entry
 *     (its container's {@code onReclaim} listeners are not counted)
 * @param timestampNanos {@link System#nanoTime()} when the engine published the event (taken once
 *     per delivered batch, so events of one batch share it); never decreases in sequence order
 * @param sequence a number that increases by one with each event the engine publishes, starting at
 *     1; shared by all kinds
 */
public record ReclaimEvent(
    Kind kind,
    Class<?> referentType,
    int identityHash,
    int callbacks,
    long timestampNanos,
    long sequence) {

  /** What a {@link ReclaimEvent} reports. */
  public enum Kind {
    /**
     * A referent of {@code WeakRef}s, proxies or {@code WeakMethod}s was reclaimed while at least
     * one of them was still reachable: one event per referent (not per ref), after all its
     * callbacks ran. A referent whose refs had all been dropped is not reported: the engine keeps
     * nothing of a referent but its refs.
     */
    REFERENT,
    /** A finalizer's object was reclaimed and its function ran; the object is not known. */
    FINALIZER_RECLAIMED,
    /** A finalizer ran because it was called ({@code call()}); the object may still be alive. */
    FINALIZER_CALLED,
    /**
     * A finalizer ran in the exit hook. The hook waits until the engine has delivered the event,
     * at most two seconds over the whole exit run; past that the JVM may halt first.
     */
    FINALIZER_AT_EXIT,
    /** A {@code WeakKeyDictionary} entry was dropped because its key was reclaimed. */
    WEAK_KEY,
    /** A {@code WeakValueDictionary} entry was dropped because its value was reclaimed. */
    WEAK_VALUE,
    /** A {@code WeakSet} element was reclaimed and dropped from its set. */
    WEAK_SET_ELEMENT;

    /**
     * Returns whether this kind reports a finalizer run.
     *
     * @return whether this is one of the {@code FINALIZER_} kinds
     */
    public boolean isFinalizer() {
      return this == FINALIZER_RECLAIMED || this == FINALIZER_CALLED || this == FINALIZER_AT_EXIT;
    }

    /**
     * Returns whether this kind reports a weak container's entry.
     *
     * @return whether this is {@link #WEAK_KEY}, {@link #WEAK_VALUE} or {@link #WEAK_SET_ELEMENT}
     */
    public boolean isContainerEntry() {
      return this == WEAK_KEY || this == WEAK_VALUE || this == WEAK_SET_ELEMENT;
    }
  }

  /**
   * Returns whether {@link #referentType()} and {@link #identityHash()} describe the referent, or
   * are the placeholders {@code Object.class} and 0 (see the class comment). An object's identity
   * hash is never 0 on HotSpot, so 0 marks the unknown case.
   *
   * @return whether the identity hash is known (not 0)
   */
  public boolean referentKnown() {
    return identityHash != 0;
  }
}
