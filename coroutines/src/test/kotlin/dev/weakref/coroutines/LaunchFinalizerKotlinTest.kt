package dev.weakref.coroutines

import dev.weakref.Finalizer
import dev.weakref.alive
import dev.weakref.atExit
import dev.weakref.collectGarbage
import dev.weakref.engine.Reclaimer
import dev.weakref.finalize
import dev.weakref.invoke
import dev.weakref.testing.UnraisableCapture
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

private class Resource(val name: String) {
  suspend fun closeAsync() = yield()
}

/** Not inline on purpose: the resource is unreachable once this returns. */
private fun CoroutineScope.launchFinalizerToGarbage(
    name: String,
    context: CoroutineContext = EmptyCoroutineContext,
    block: suspend () -> Unit,
): Finalizer<Job> = launchFinalizer(Resource(name), context, block)

/** Registers a finalizer on `holder[0]` without keeping it here: it dies once the holder drops it. */
private fun CoroutineScope.finalizeHeld(holder: List<Any>, block: suspend () -> Unit): Finalizer<Job> =
    launchFinalizer(holder[0], block = block)

/** Registers the plain finalizer inside runBlocking, on an object that is unreachable afterwards. */
private fun plainFinalizerInsideRunBlocking(ranOn: CompletableDeferred<String>): Finalizer<Unit> =
    runBlocking {
      // The plain, blocking `finalize` even here, where `this` is a CoroutineScope.
      val f: Finalizer<Unit> = finalize(Resource("plain")) { ranOn.complete(Thread.currentThread().name) }
      f
    }

class LaunchFinalizerKotlinTest : FunSpec({

  context("launchFinalizer") {
    test("on reclaim the block is launched in the scope, as a child of its Job") {
      val scopeJob = SupervisorJob()
      val scope = CoroutineScope(scopeJob + Dispatchers.Default + CoroutineName("cleanup"))
      val started = CompletableDeferred<Job>()
      val where = CompletableDeferred<String>()
      val release = CompletableDeferred<Unit>()
      val f =
          scope.launchFinalizerToGarbage("r") {
            where.complete(
                "${currentCoroutineContext()[CoroutineName]?.name} on ${Thread.currentThread().name}")
            started.complete(currentCoroutineContext()[Job]!!)
            release.await() // suspends: the engine does not wait for it
          }
      f.alive shouldBe true
      collectGarbage()
      f.alive shouldBe false
      val child = withTimeout(30_000) { started.await() }
      scopeJob.children.toList() shouldContain child
      where.await() shouldStartWith "cleanup on DefaultDispatcher"
      release.complete(Unit)
      child.join()
      scope.cancel()
    }

    test("f() launches the block in the scope and returns its Job; afterwards it is dead") {
      runTest {
        val obj = Resource("kept")
        val runs = AtomicInteger()
        val f = launchFinalizer(obj) {
          delay(1_000) // sleep-ok: virtual time
          runs.incrementAndGet()
        }
        f.peek().shouldNotBeNull().obj shouldBeSameInstanceAs obj
        f.atExit shouldBe true
        f.atExit = false
        f.atExit shouldBe false
        val job = f().shouldNotBeNull()
        runs.get() shouldBe 0 // launched, not run on the caller's thread
        f.alive shouldBe false
        f().shouldBeNull()
        f.peek().shouldBeNull()
        f.detach().shouldBeNull()
        job.join()
        runs.get() shouldBe 1
      }
    }

    test("detach() returns what it held and the block never runs") {
      runTest {
        val obj = Resource("kept")
        val runs = AtomicInteger()
        val f = launchFinalizer(obj) { runs.incrementAndGet() }
        val info = f.detach().shouldNotBeNull()
        info.obj shouldBeSameInstanceAs obj
        f.alive shouldBe false
        f().shouldBeNull()
        runCurrent()
        runs.get() shouldBe 0
      }
    }

    test("a block that throws reaches the scope's handler; the scope, the engine and others go on") {
      val errors = Channel<Throwable>(Channel.UNLIMITED)
      val handler = CoroutineExceptionHandler { _, e -> errors.trySend(e) }
      // A plain Job, not a supervisor: even so a failing finalizer must not cancel the scope.
      val scope = CoroutineScope(Job() + Dispatchers.Default + handler)
      val ran = CompletableDeferred<Unit>()
      scope.launchFinalizerToGarbage("bad") {
        yield()
        throw IllegalStateException("cleanup failed")
      }
      scope.launchFinalizerToGarbage("good") {
        yield()
        ran.complete(Unit)
      }
      collectGarbage()
      withTimeout(30_000) {
        errors.receive().message shouldBe "cleanup failed"
        ran.await()
      }
      scope.isActive shouldBe true
      Reclaimer.isAlive() shouldBe true
      val after = CompletableDeferred<Unit>()
      scope.launchFinalizerToGarbage("later") { after.complete(Unit) }
      collectGarbage()
      withTimeout(30_000) { after.await() }
      scope.cancel()
    }

    test("without a handler a failure goes to the engine's unraisable hook") {
      val reported = CompletableDeferred<Pair<Throwable, Any?>>()
      UnraisableCapture.start { e, source -> reported.complete(e to source) }.use {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val block: suspend () -> Unit = { throw IllegalStateException("no handler") }
        scope.launchFinalizerToGarbage("bad", block = block)
        collectGarbage()
        val (error, source) = withTimeout(30_000) { reported.await() }
        error.message shouldBe "no handler"
        source shouldBeSameInstanceAs block
        scope.cancel()
      }
    }

    test("cancelling the scope detaches its pending finalizers") {
      val scope = CoroutineScope(Job() + Dispatchers.Default)
      val runs = AtomicInteger()
      val kept = Resource("kept")
      val holder = mutableListOf<Any>(Resource("held"))
      val f1 = scope.launchFinalizer(kept) { runs.incrementAndGet() }
      val f2 = scope.finalizeHeld(holder) { runs.incrementAndGet() }
      f1.alive shouldBe true
      f2.alive shouldBe true
      scope.cancel()
      scope.coroutineContext[Job]!!.join()
      f1.alive shouldBe false
      f2.alive shouldBe false
      f1().shouldBeNull()
      holder.clear()
      collectGarbage()
      runs.get() shouldBe 0
      // A scope that is already done gives a dead finalizer.
      scope.launchFinalizer(kept) { runs.incrementAndGet() }.alive shouldBe false
    }

    test("a scope that is cancelling, its children not yet done, has already detached them") {
      val scopeJob = Job()
      val scope = CoroutineScope(scopeJob + Dispatchers.Default)
      val childStarted = CompletableDeferred<Unit>()
      val childMayEnd = CompletableDeferred<Unit>()
      // A child slow to finish: the scope's Job stays cancelling, not cancelled, until it ends.
      val child =
          scope.launch {
            try {
              childStarted.complete(Unit)
              awaitCancellation()
            } finally {
              withContext(NonCancellable) { childMayEnd.await() }
            }
          }
      childStarted.await()
      val runs = AtomicInteger()
      val kept = Resource("kept")
      val holder = mutableListOf<Any>(Resource("held"))
      val f1 = scope.launchFinalizer(kept) { runs.incrementAndGet() }
      val f2 = scope.finalizeHeld(holder) { runs.incrementAndGet() }
      scope.cancel()
      scopeJob.isCancelled shouldBe true
      scopeJob.isCompleted shouldBe false // the window: the child is still finishing
      f1.alive shouldBe false
      f1().shouldBeNull()
      f2.alive shouldBe false
      holder.clear()
      collectGarbage()
      // Made in the window: dead at once.
      scope.launchFinalizer(kept) { runs.incrementAndGet() }.alive shouldBe false
      scopeJob.isCompleted shouldBe false
      childMayEnd.complete(Unit)
      child.join()
      scopeJob.join()
      runs.get() shouldBe 0
    }

    test("a scope whose Job completes normally detaches its pending finalizers") {
      val scopeJob = Job()
      val runs = AtomicInteger()
      val f = CoroutineScope(scopeJob).launchFinalizer(Resource("kept")) { runs.incrementAndGet() }
      f.alive shouldBe true
      scopeJob.complete()
      scopeJob.join()
      f.alive shouldBe false
      f().shouldBeNull()
      runs.get() shouldBe 0
    }

    test("f() on a thread of the application named like the exit hook's still launches the block") {
      val scopeJob = SupervisorJob()
      val scope = CoroutineScope(scopeJob + Dispatchers.Default)
      val ranOn = CompletableDeferred<String>()
      val release = CompletableDeferred<Unit>()
      val f =
          scope.launchFinalizer(Resource("kept")) {
            ranOn.complete(Thread.currentThread().name)
            release.await() // so that it is still a child of the scope when checked below
          }
      val launched = CompletableDeferred<Job?>()
      val caller = Thread({ launched.complete(f()) }, "weakref-atexit")
      caller.start()
      caller.join()
      val job = launched.await().shouldNotBeNull()
      scopeJob.children.toList() shouldContain job // launched in the scope, not run to its end here
      release.complete(Unit)
      job.join()
      ranOn.await() shouldStartWith "DefaultDispatcher"
      scope.cancel()
    }

    test("detached and finished finalizers do not pile up on a long-lived scope") {
      val scopeJob = SupervisorJob()
      val scope = CoroutineScope(scopeJob + Dispatchers.Default)
      val kept = Resource("kept")
      repeat(10_000) { scope.launchFinalizer(kept) {}.detach() }
      ScopeFinalizers.of(scopeJob).shouldNotBeNull().size() shouldBeLessThanOrEqual 16
      scope.cancel()
    }

    test("the capture check refuses a block that holds the object") {
      val scope = CoroutineScope(SupervisorJob())
      val obj = Resource("captured")
      val e = shouldThrow<IllegalArgumentException> { scope.launchFinalizer(obj) { println(obj.name) } }
      e.message shouldContain "'\$obj'"
      e.message shouldContain Resource::class.java.name
      shouldThrow<IllegalArgumentException> { scope.launchFinalizer(obj, block = obj::closeAsync) }.message shouldContain
          "bound receiver"
      shouldThrow<IllegalArgumentException> { scope.launchFinalizer(42) {} }
      shouldThrow<IllegalArgumentException> { scope.launchFinalizer(scope) {} }.message shouldContain
          "the scope itself"
      shouldThrow<IllegalArgumentException> { scope.launchFinalizer(obj, Job()) {} }.message shouldContain
          "must not contain a Job"
      val name = obj.name
      scope.launchFinalizer(obj) { println(name) }.detach().shouldNotBeNull() // capturing a field is fine
      scope.cancel()
    }

    test("finalize(obj) { } inside runBlocking is still the plain finalizer") {
      val ranOn = CompletableDeferred<String>()
      val f = plainFinalizerInsideRunBlocking(ranOn)
      collectGarbage()
      f.alive shouldBe false
      // The plain finalizer runs its (non-suspending) block on the engine thread during collect.
      ranOn.isCompleted shouldBe true
      ranOn.await() shouldBe "weakref-reclaimer"
    }

    test("at JVM exit a suspending finalizer runs to its end, within the bounded exit wait") {
      val result = ChildJvm.run(LaunchFinalizerExitChild::class.java)
      result.exitCode shouldBe 0
      val out = result.stdout
      out.shouldContainExactly(
          "main end",
          "unraisable: d failed",
          "exit a ran after suspending, in app, on weakref-atexit",
          "exit e waits forever",
          "unraisable: suspending finalizer ${out.last().substringAfter("suspending finalizer ")}",
      )
      out.last() shouldContain "did not finish within the exit wait of 5s: cancelled"
      out shouldNotContain "b ran (atExit false)"
      out shouldNotContain "c ran (scope cancelled)"
    }
  }
})
