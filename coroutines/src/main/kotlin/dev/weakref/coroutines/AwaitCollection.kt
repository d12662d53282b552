package dev.weakref.coroutines

import dev.weakref.engine.Reclaimer
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.runInterruptible

/**
 * Forces a garbage collection and suspends until every reference it cleared has been processed and
 * every callback it caused has run: [dev.weakref.collectGarbage] for coroutine code and tests,
 * which suspends instead of blocking the caller's thread.
 *
 * Python: `gc.collect()`. The collection and the wait for the engine run on [Dispatchers.IO];
 * cancelling the caller interrupts that wait and throws [kotlinx.coroutines.CancellationException].
 * When it returns, the tags of the objects reclaimed are in their [ReclaimQueue]s, and waits on them
 * ([awaitReclaimed], [reclaimSignal]) have been resumed. It works inside `runTest` too: the wait
 * takes real time, not the test's virtual time.
 *
 * ```kotlin
 * @Test fun cacheEvicts() = runTest {
 *   fill(cache)
 *   awaitCollection()
 *   cache.size shouldBe 0
 * }
 * ```
 *
 * @param timeout how long to wait at most
 * @throws IllegalStateException if the collection or its callbacks did not finish in [timeout]; the
 *   message says what is still pending
 * @throws IllegalArgumentException if [timeout] is not positive
 */
public suspend fun awaitCollection(timeout: Duration = 30.seconds) {
  require(timeout.isPositive()) { "awaitCollection timeout must be positive, was $timeout" }
  val javaTimeout = timeout.toJavaDuration()
  try {
    runInterruptible(Dispatchers.IO) { Reclaimer.collect(javaTimeout) }
  } catch (e: IllegalStateException) {
    // collect() turns the interruption of a cancellation into "collect() interrupted": say why.
    kotlin.coroutines.coroutineContext.ensureActive()
    throw e
  }
}
