package dev.weakref.coroutines

import dev.weakref.Finalizer
import dev.weakref.WeakRef
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

private class Garbage

/** A ref to an object nothing holds (own frame). */
private fun refToGarbage(): WeakRef<Garbage> = WeakRef(Garbage())

/** A finalizer on an object nothing holds, which blocks the engine until [release] opens. */
private fun blockingFinalizer(started: CountDownLatch, release: CountDownLatch, released: AtomicBoolean) {
  Finalizer.of(Garbage()) {
    started.countDown()
    released.set(release.await(20, TimeUnit.SECONDS))
  }
}

class AwaitCollectionKotlinTest : FunSpec({

  test("awaitCollection reclaims and returns after the callbacks, inside runTest too") {
    runTest {
      val wr = refToGarbage()
      awaitCollection()
      wr.get().shouldBeNull()
    }
  }

  test("awaitCollection suspends instead of blocking its thread") {
    // One thread: the finalizer that the collection waits for is released by a coroutine on the same
    // thread as the awaitCollection() call, which can run only if that call does not block it.
    Executors.newSingleThreadExecutor().asCoroutineDispatcher().use { single ->
      val started = CountDownLatch(1)
      val release = CountDownLatch(1)
      val released = AtomicBoolean()
      blockingFinalizer(started, release, released)
      withContext(single) {
        val collection = async { awaitCollection() }
        launch {
          while (started.count > 0) yield()
          release.countDown()
        }
        withTimeout(30_000) { collection.await() }
      }
      released.get() shouldBe true
    }
  }

  test("cancelling awaitCollection ends it while the engine is still busy") {
    val started = CountDownLatch(1)
    val release = CountDownLatch(1)
    val released = AtomicBoolean()
    blockingFinalizer(started, release, released)
    val collection = launch(start = CoroutineStart.UNDISPATCHED) { awaitCollection() }
    started.await(20, TimeUnit.SECONDS) shouldBe true
    collection.cancel()
    withTimeout(5_000) { collection.join() } // before the finalizer is released
    collection.isCancelled shouldBe true
    release.countDown()
    awaitCollection()
    released.get() shouldBe true
  }

  test("refuses a timeout that is not positive") {
    shouldThrow<IllegalArgumentException> { awaitCollection(Duration.ZERO) }
  }
})
