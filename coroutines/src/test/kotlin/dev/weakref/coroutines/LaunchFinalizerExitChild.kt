package dev.weakref.coroutines

import dev.weakref.atExit
import dev.weakref.engine.Reclaimer
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

/**
 * A child JVM's main for `LaunchFinalizerKotlinTest`: suspending finalizers alive at exit. Prints
 * what runs; the test checks the lines.
 */
object LaunchFinalizerExitChild {
  /** Keeps every object alive to the end: only the exit run may run their finalizers. */
  private val KEEP = ArrayList<Any>()

  private fun keep(name: String): Any = StringBuilder(name).also { KEEP.add(it) }

  @JvmStatic
  fun main(args: Array<String>) {
    Reclaimer.setUnraisableHook { error, _ -> println("unraisable: ${error.message}") }
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("app"))
    // Oldest, so it runs last: it never finishes, and the exit wait cancels it.
    scope.launchFinalizer(keep("e")) {
      println("exit e waits forever")
      awaitCancellation()
    }
    scope.launchFinalizer(keep("a")) {
      delay(20) // sleep-ok: the finalizer under test suspends, as real cleanup would
      withContext(Dispatchers.IO) { delay(1) } // sleep-ok: suspends on another dispatcher
      val name = currentCoroutineContext()[CoroutineName]?.name
      println("exit a ran after suspending, in $name, on ${Thread.currentThread().name}")
    }
    scope.launchFinalizer(keep("b")) { println("b ran (atExit false)") }.atExit = false
    val other = CoroutineScope(Job() + Dispatchers.Default)
    other.launchFinalizer(keep("c")) { println("c ran (scope cancelled)") }
    other.cancel()
    scope.launchFinalizer(keep("d")) {
      yield()
      throw IllegalStateException("d failed")
    }
    println("main end")
  }
}
