package dev.weakref.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * The coroutines' registrations need the engine thread, which runs only while something needs it
 * (core's `RedeployTest`): a `ReclaimQueue` holds the engine's token while it has registrations,
 * the `reclaimSignal`/`awaitReclaimed` watches while one is armed. In a child JVM where nothing else
 * uses the engine, each is delivered with no `collectGarbage()` to start the thread, and the thread
 * ends afterwards. Negative control: without those tokens no engine thread ever started in the
 * child, and neither was delivered (checked).
 */
class EngineIdleKotlinTest : FunSpec({
  test("a ReclaimQueue registration and a reclaimSignal alone start the engine and keep it until delivered") {
    val result = ChildJvm.run(EngineIdleChild::class.java)
    result.exitCode shouldBe 0
    result.stdout shouldBe listOf(
        "queue tag delivered: true",
        "engine ended after the queue: true",
        "signal completed: true",
        "engine ended after the signal: true",
    )
  }
})
