package dev.weakref.engine;

/**
 * A snapshot of the engine's counters, from {@link Reclaimer#stats()}.
 *
 * <p>Each counter is read separately, so under concurrent use the figures need not add up exactly.
 *
 * @param refsAlive tracked references and proxies whose referent has not been reclaimed and which
 *     have not been found dropped by the collector
 * @param referentsTracked objects that currently have at least one tracked reference
 * @param callbacksRun callbacks run by the engine since start, including ones that threw, and
 *     including {@link EngineReference#reclaimed()} actions (container unlinks, finalizers)
 * @param callbackFailures callbacks (and listeners) that threw, each reported to the unraisable hook
 * @param pending references already taken from the queue whose processing has not finished
 * @param slowCallbacks callbacks, finalizers and listeners reported to the unraisable hook for
 *     running longer than the bound of {@code weakref.callbackWarnMillis} (a
 *     {@link SlowCallbackException} each; not counted in {@code callbackFailures})
 */
public record ReclaimStats(
    long refsAlive, long referentsTracked, long callbacksRun, long callbackFailures, long pending,
    long slowCallbacks) {}
