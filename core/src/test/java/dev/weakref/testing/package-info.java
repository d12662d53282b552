/**
 * What the tests of every module share (core's test jar; see core/pom.xml): value-equality
 * {@link dev.weakref.testing.Key}s, {@link dev.weakref.testing.UnraisableCapture}, the memory
 * tests' {@link dev.weakref.testing.Heap} and the bad-input matrices'
 * {@link dev.weakref.testing.BadInputs}.
 *
 * <p><b>Making garbage.</b> A test whose object must die makes it in a helper method of its own and
 * lets it go there: the caller's frame never holds it (a local, even a dead one, may keep it alive in
 * an interpreted frame, and a Kotlin inline facade keeps its receiver in the caller's frame). Such
 * helpers share one name, by what is garbage once they return:
 *
 * <ul>
 *   <li>{@code refToGarbage()}, {@code proxyToGarbage()}, {@code finalizerToGarbage()}, ...: return a
 *       handle whose referent is garbage;
 *   <li>{@code putGarbage(map, ...)}, {@code addGarbage(set, ...)}, {@code finalizeGarbage(...)},
 *       {@code makeGarbage(n)}: put garbage somewhere, or make it, and return nothing that holds it;
 *   <li>{@code garbageRefTo(o)}, {@code garbageRefsTo(o)}: make refs to a live object and drop the
 *       refs themselves.
 * </ul>
 *
 * Then {@code Reclaimer.collect()} (Kotlin: {@code collectGarbage()}) reclaims it and runs whatever
 * its reclamation caused; tests never sleep waiting for the collector.
 */
package dev.weakref.testing;
