package dev.weakref.engine;

/**
 * One referent reclaimed by the garbage collector, as seen by a {@link ReclaimListener}.
 *
 * <p>The referent itself is gone; the event keeps only what was known about it.
 *
 * @param referentType the class of the reclaimed object
 * @param identityHash its {@link System#identityHashCode identity hash}, as printed by
 *     {@code WeakRef.toString()} ({@code "at 0x…"})
 * @param callbacks how many callbacks ran for it (refs and proxies still reachable at reclaim time)
 * @param sequence a number that increases with each event, starting at 1
 */
public record ReclaimEvent(Class<?> referentType, int identityHash, int callbacks, long sequence) {}
