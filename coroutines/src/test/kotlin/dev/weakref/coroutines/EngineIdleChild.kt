package dev.weakref.coroutines

import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking

/**
 * A child JVM's main for `EngineIdleKotlinTest`: in a JVM where nothing else uses the engine, a
 * `ReclaimQueue` registration and then a `reclaimSignal` are each the only thing the engine has to
 * do. Each must start the engine thread and keep it until it has been delivered, without any
 * `collectGarbage()` (which would start the thread itself); then the thread ends again. Prints one
 * `key: value` line per fact.
 */
object EngineIdleChild {
  @JvmStatic
  fun main(args: Array<String>) {
    val queue = ReclaimQueue<String>()
    registerGarbage(queue)
    val tag = CountDownLatch(1)
    thread(name = "collector") {
      runBlocking { queue.reclaimed.first() }
      tag.countDown()
    }
    println("queue tag delivered: ${gcUntil { tag.count == 0L }}")
    println("engine ended after the queue: ${gcUntil { !engineRunning() }}")

    val signal = reclaimSignal(Any())
    println("signal completed: ${gcUntil { signal.isCompleted }}")
    println("engine ended after the signal: ${gcUntil { !engineRunning() }}")
  }

  private fun registerGarbage(queue: ReclaimQueue<String>) {
    queue.register(Any(), "gone")
  }

  /**
   * Forces collections until [done] holds, at most 1,000 of them 10 ms apart: what is watched here
   * is whether the engine thread runs at all, which no `collectGarbage()` may be used to wait for.
   */
  private fun gcUntil(done: () -> Boolean): Boolean {
    for (i in 0 until 1000) {
      if (done()) return true
      System.gc()
      TimeUnit.MILLISECONDS.sleep(10) // sleep-ok: bounded; collectGarbage() would start the engine
    }
    return done()
  }

  private fun engineRunning(): Boolean =
      Thread.getAllStackTraces().keys.any { it.name == "weakref-reclaimer" && it.isAlive }
}
