package dev.weakref.engine;

/**
 * A snapshot of the engine's counters, from {@link Reclaimer#stats()}.
 *
 * <p>Each counter is read separately, so under concurrent use the figures need not add up exactly.
 *
 * @param refsAlive tracked references and proxies whose referent has not been reclaimed and which
 *     have not been found dropped by the collector
 * @param referentsTracked the engine's records of tracked references and proxies: one for each
 *     object that has some (the lone reference's own record, or one group for several). A record is
 *     counted until the engine removes it, so this includes records of objects just reclaimed, and
 *     of references just dropped, that the engine has not removed yet
 * @param callbacksRun callbacks run by the engine since start, including ones that threw, and
 *     including the actions of the engine's untracked references
 *     ({@code EngineReference.reclaimed()}: container unlinks, finalizers)
 * @param callbackFailures callbacks (and listeners) that threw, each reported to the unraisable hook
 * @param pending references already taken from the queue whose processing has not finished
 * @param slowCallbacks callbacks, finalizers and listeners reported to the unraisable hook for
 *     running longer than the bound of {@code weakref.callbackWarnMillis} (a
 *     {@link SlowCallbackException} each; not counted in {@code callbackFailures})
 */
public record ReclaimStats(
    long refsAlive, long referentsTracked, long callbacksRun, long callbackFailures, long pending,
    long slowCallbacks) {}
