@file:JvmName("LaunchFinalizers")

package dev.weakref.coroutines

import dev.weakref.Finalizer
import dev.weakref.WeakKeyDictionary
import dev.weakref.engine.Reclaimer
import java.lang.reflect.Modifier
import java.util.concurrent.Callable
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Returns a new alive [Finalizer] that launches the suspending [block] in this scope once [obj] is
 * reclaimed, or runs it at JVM exit, or launches it when called (`f()`), whichever comes first.
 *
 * Python: `weakref.finalize(obj, func)`, for cleanup that suspends (closing a connection, flushing
 * over the network). Built on [Finalizer.of]: `f()` (or [Finalizer.call]), [Finalizer.detach],
 * [Finalizer.peek], `f.alive` and `f.atExit` behave as for the plain finalizer, and the block runs at
 * most once whatever their mix with reclamation and exit.
 *
 * ```kotlin
 * class Session(val socket: AsyncSocket)
 *
 * fun open(scope: CoroutineScope): Session {
 *   val socket = AsyncSocket.connect()
 *   val session = Session(socket)
 *   scope.launchFinalizer(session) { socket.sendGoodbyeAndClose() } // captures the socket, not session
 *   return session
 * }
 * ```
 *
 * - **When reclaimed** the engine thread only *launches* the block, as `launch(context) { block() }`
 *   in this scope: it runs as a child of the scope's [Job], on the scope's dispatcher (or the one
 *   in [context]), and the engine goes on at once. (With `Dispatchers.Unconfined` it would run on
 *   the engine thread up to its first suspension: avoid that.)
 * - **When called**, `f()` launches the block the same way and returns its [Job] (`f()?.join()`
 *   waits for it), or `null` if the finalizer is dead. [Finalizer.peek] and [Finalizer.detach] give
 *   the object and, as `func`, the adapter that launches [block] (its `toString` names the block).
 * - **Failures** never propagate and never cancel the scope or other finalizers: what the block
 *   throws goes to the [CoroutineExceptionHandler] of the scope (or of [context]), else to the
 *   engine's unraisable hook ([Reclaimer.setUnraisableHook]). A [CancellationException] is not a
 *   failure.
 * - **When the scope's [Job] completes or is cancelled**, every finalizer of this scope that has not
 *   run yet is detached: its block never runs, not on reclamation, not at exit, and `f()` returns
 *   `null`. A cancelled Job detaches them as soon as it starts cancelling, while its children may
 *   still be finishing. A finalizer made in a scope whose Job is already done or cancelling is
 *   returned dead. A scope without a Job (`GlobalScope`) never detaches its finalizers.
 * - **At JVM exit**, a finalizer still alive with `f.atExit == true` (the default, as for the plain
 *   one) runs its block on the exit hook thread `weakref-atexit`, in a `runBlocking` event loop
 *   with the scope's context minus its Job and dispatcher (the scope may be gone by then; the block
 *   may still switch with `withContext`). All suspending finalizers at exit share one bounded wait
 *   of 5 seconds, the exit hook's own bound: a block still running then is cancelled and reported
 *   as a failure.
 *
 * > [block] must not capture [obj], or [obj] could never be reclaimed: this function refuses a
 * > block that holds it in a field (a captured variable, or the enclosing `this`), naming the field.
 * > It cannot see indirect references. Call it from a non-inline function if [obj] must die soon
 * > after: an inline caller keeps its locals alive. Actions before this call *happen-before* the
 * > block runs.
 *
 * This is deliberately not an overload of `finalize`: as an extension on [CoroutineScope] it would
 * silently take over every `finalize(obj) { }` written inside a coroutine; that call stays the plain,
 * blocking finalizer.
 *
 * @param obj the object whose reclamation launches the block (not retained)
 * @param context added to the scope's context for the launched coroutine (a name, a dispatcher, a
 *   [CoroutineExceptionHandler]); must not contain a [Job]
 * @param block the suspending cleanup; must not capture [obj]
 * @return the finalizer; it stays alive even if the caller drops it. Its function's result is the
 *   [Job] of the launched block.
 * @throws IllegalArgumentException if [obj] is a boxed primitive or another JDK value-based object,
 *   is this scope itself, if [block] captured [obj], or if [context] contains a [Job]
 */
public fun CoroutineScope.launchFinalizer(
    obj: Any,
    context: CoroutineContext = EmptyCoroutineContext,
    block: suspend () -> Unit,
): Finalizer<Job> {
  require(context[Job] == null) {
    "launchFinalizer's context must not contain a Job (${context[Job]}): the block is launched as " +
        "a child of the scope's Job"
  }
  require(obj !== this) {
    "launchFinalizer on the scope itself (${obj.javaClass.name}): the finalizer holds its scope, " +
        "so the scope could never be reclaimed"
  }
  requireNotCaptured(obj, block)
  val finalizer: Finalizer<Job> = Finalizer.of(obj, SuspendFinalizerFunction(this, context, block))
  val job = coroutineContext[Job]
  if (job != null && !ScopeFinalizers.track(job, finalizer)) {
    finalizer.detach() // the scope is already done: nothing may be launched in it any more
  }
  return finalizer
}

/** The name of the core exit hook's thread (see [Finalizer]). */
private const val EXIT_THREAD = "weakref-atexit"

/** The class and method of core whose frame is at the bottom of every exit run. */
private const val EXIT_RUN_CLASS = "dev.weakref.FinalizerRef"
private const val EXIT_RUN_METHOD = "runAtExit"

/**
 * Whether this thread is core's exit hook running the finalizers at exit. The name alone would
 * misfire on any thread of the application so named; the hook's own frame, which only core can
 * call, settles it. Core offers no public signal, and the name check keeps the walk off every
 * other thread.
 */
private fun isExitRun(): Boolean =
    Thread.currentThread().name == EXIT_THREAD &&
        StackWalker.getInstance().walk { frames ->
          frames.anyMatch { it.className == EXIT_RUN_CLASS && it.methodName == EXIT_RUN_METHOD }
        }

/** The plain finalizer's function: launches [block] in [scope], or runs it to the end at exit. */
internal class SuspendFinalizerFunction(
    private val scope: CoroutineScope,
    private val context: CoroutineContext,
    private val block: suspend () -> Unit,
) : Callable<Job> {

  override fun call(): Job =
      if (isExitRun()) {
        runAtExit()
        DONE
      } else {
        scope.launch(context) { runReporting() }
      }

  private suspend fun runReporting() {
    try {
      block()
    } catch (e: CancellationException) {
      throw e
    } catch (e: Throwable) {
      reportFailure(currentCoroutineContext(), e, block)
    }
  }

  /** Runs the block to its end on the exit hook thread, within what is left of the exit budget. */
  private fun runAtExit() {
    val exitContext =
        scope.coroutineContext.minusKey(Job).minusKey(ContinuationInterceptor) +
            context.minusKey(ContinuationInterceptor)
    try {
      runBlocking(exitContext) {
        val left = ExitBudget.remainingMillis()
        val finished = withTimeoutOrNull(left) { runReporting() } != null
        if (!finished) {
          reportFailure(
              currentCoroutineContext(),
              IllegalStateException(
                  "suspending finalizer $block did not finish within the exit wait of " +
                      "${ExitBudget.TOTAL}: cancelled"),
              block)
        }
      }
    } catch (e: CancellationException) {
      // Cancelled on its own: not a failure, as in a launched coroutine.
    } catch (e: Throwable) {
      reportFailure(exitContext, e, block)
    }
  }

  override fun toString(): String = "launchFinalizer($block)"

  private companion object {
    /** What an exit run returns: the block has finished there. */
    private val DONE: Job = Job().apply { complete() }
  }
}

/** The one bounded wait that all suspending finalizers share at exit, started by the first. */
internal object ExitBudget {
  val TOTAL = 5.seconds
  @Volatile private var deadline = 0L

  fun remainingMillis(): Long {
    var d = deadline
    if (d == 0L) {
      synchronized(this) {
        d = deadline
        if (d == 0L) {
          d = System.nanoTime() + TOTAL.inWholeNanoseconds
          deadline = d
        }
      }
    }
    return maxOf(0L, (d - System.nanoTime()) / 1_000_000)
  }
}

/** Sends [error] to the context's [CoroutineExceptionHandler], else to the unraisable hook. */
internal fun reportFailure(context: CoroutineContext, error: Throwable, source: Any) {
  val handler = context[CoroutineExceptionHandler]
  if (handler == null) {
    Reclaimer.reportUnraisable(error, source)
    return
  }
  try {
    handler.handleException(context, error)
  } catch (t: Throwable) {
    if (t !== error) {
      t.addSuppressed(error)
    }
    Reclaimer.reportUnraisable(t, handler)
  }
}

/**
 * The finalizers of one scope's [Job] that may still run, detached all at once when the Job
 * starts cancelling or completes. A finalizer that ran or was detached stays listed until the next
 * prune: pruning when the list has doubled keeps it at most twice the live ones (plus a few), at
 * constant amortized cost.
 */
internal class ScopeFinalizers : (Throwable?) -> Unit {
  private val live = ArrayList<Finalizer<*>>()
  private var done = false
  private var pruneAt = MIN_PRUNE

  /** Adds [f] unless the Job is done; returns whether it was added. */
  @Synchronized
  fun add(f: Finalizer<*>): Boolean {
    if (done) {
      return false
    }
    live.add(f)
    if (live.size >= pruneAt) {
      live.removeAll { !it.isAlive }
      pruneAt = maxOf(MIN_PRUNE, live.size * 2)
    }
    return true
  }

  /** How many finalizers are listed, dead ones not yet pruned included: for tests. */
  @Synchronized fun size(): Int = live.size

  /** The Job's cancelling (or completion) handler: detaches every listed finalizer, dead or not. */
  override fun invoke(cause: Throwable?) {
    val all =
        synchronized(this) {
          done = true
          live.toTypedArray().also { live.clear() }
        }
    for (f in all) {
      f.detach()
    }
  }

  internal companion object {
    private const val MIN_PRUNE = 16

    /*
     * Per Job, weakly: a Job nobody uses any more goes with its entry. The entry's value reaches its
     * Job only through finalizers still alive, which keep the scope alive anyway.
     */
    private val byJob = WeakKeyDictionary.identity<Job, ScopeFinalizers>()

    /** Lists [f] under [job]; returns `false` if the Job is already done. */
    fun track(job: Job, f: Finalizer<*>): Boolean {
      var entry = byJob[job]
      if (entry == null) {
        val created = ScopeFinalizers()
        entry = byJob.putIfAbsent(job, created)
        if (entry == null) {
          entry = created
          detachWhenCancellingOrDone(job, created)
        }
      }
      return entry.add(f)
    }

    /**
     * Runs [handler] as soon as [job] starts cancelling, or when it completes normally; at once if
     * it is already cancelling or done. The plain `invokeOnCompletion` would wait until the
     * cancelled Job's children have finished, and in between a reclaim or `f()` would launch the
     * block into a cancelling parent, where it never runs. A public alternative, a child Job of
     * [job], would keep [job] from ever completing normally.
     */
    @OptIn(InternalCoroutinesApi::class)
    private fun detachWhenCancellingOrDone(job: Job, handler: ScopeFinalizers) {
      job.invokeOnCompletion(onCancelling = true, invokeImmediately = true, handler = handler)
    }

    /** The listing for [job], if any: for tests. */
    fun of(job: Job): ScopeFinalizers? = byJob[job]
  }
}

/**
 * Refuses a [block] that holds [obj] in one of its own fields (a captured variable or the enclosing
 * instance), as [Finalizer.of] refuses such a function: the finalizer core checks sees only the
 * adapter that launches the block, so the block is checked here, the same way.
 */
internal fun requireNotCaptured(obj: Any, block: Any) {
  require(block !== obj) {
    "the finalizer block is the object to finalize itself (${obj.javaClass.name}): it could " +
        "never be reclaimed"
  }
  var c: Class<*>? = block.javaClass
  // Superclasses too: a bound function reference keeps its receiver in CallableReference's field.
  while (c != null && c != Any::class.java) {
    for (f in c.declaredFields) {
      if (Modifier.isStatic(f.modifiers) || f.type.isPrimitive || !f.trySetAccessible()) {
        continue
      }
      require(f.get(block) !== obj) {
        "the finalizer block ${block.javaClass.name} holds the object to finalize in its field " +
            "${describeField(f.name)}: the object could never be reclaimed, so the block would " +
            "never run before exit; capture only what the cleanup needs (not " +
            "${obj.javaClass.name} itself)"
      }
    }
    c = c.superclass
  }
}

/** Names a captured field for an error message, as core's capture check does. */
private fun describeField(name: String): String {
  val what =
      when {
        name == "receiver" -> " (the bound receiver of a function reference)"
        name.startsWith("this$") -> " (the enclosing instance)"
        name.startsWith("arg$") -> " (captured value #${name.substring(4)} of a lambda)"
        name.startsWith("val$") -> " (the captured variable '${name.substring(4)}')"
        name.startsWith("$") && name.length > 1 ->
            " (the captured variable '${name.substring(1)}' of a Kotlin lambda)"
        else -> ""
      }
  return "'$name'$what"
}
