package dev.weakref.examples

import dev.weakref.Finalizer
import dev.weakref.WeakKeyDictionary
import dev.weakref.alive
import dev.weakref.collectGarbage
import dev.weakref.coroutines.ReclaimQueue
import dev.weakref.coroutines.launchFinalizer
import dev.weakref.coroutines.reclaimedValues
import dev.weakref.invoke
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking

/** The coroutines part of the demo (module weakref-coroutines): flows of reclaims, suspending cleanup. */
object CoroutinesKotlinDemo {
  private class Request(val path: String)

  private class Response(val body: String) {
    @Volatile var closed = false

    fun close() {
      closed = true
    }
  }

  private class Connection(val name: String)

  @JvmStatic
  fun run(): Unit = runBlocking {
    println("\n== coroutines (weakref-coroutines) ==")
    cacheEvictions()
    taggedQueue()
    suspendingCleanup()
  }

  /** A cache whose evictions are collected as a flow: `WeakKeyDictionary.reclaimedValues()`. */
  private suspend fun cacheEvictions() = coroutineScopeOnDefault { scope ->
    println("\n>>> cache = WeakKeyDictionary<Request, Response>(); cache.reclaimedValues()")
    val cache = WeakKeyDictionary<Request, Response>()
    val evictions = cache.reclaimedValues() // listening from here: nothing reclaimed later is lost
    val closed = scope.async { evictions.onEach { it.close() }.take(3).toList() }
    fill(cache)
    println("cache.size          -> ${cache.size}; the requests are dropped, collectGarbage()")
    collectGarbage()
    println("cache.size          -> ${cache.size}")
    val evicted = closed.await()
    println("evicted, closed     -> ${evicted.map { it.body }.sorted()}, ${evicted.all { it.closed }}")
  }

  /** Not inline on purpose: the requests are unreachable once this returns. */
  private fun fill(cache: WeakKeyDictionary<Request, Response>) {
    for (path in listOf("/a", "/b", "/c")) {
      cache[Request(path)] = Response(path)
    }
  }

  private class Buffer(val bytes: ByteArray)

  /** The reference queue as a flow of the user's own tags: `ReclaimQueue<T>`. */
  private suspend fun taggedQueue() = coroutineScopeOnDefault { scope ->
    println("\n>>> files = ReclaimQueue<String>(); files.register(buffer, \"tmp-1\")")
    ReclaimQueue<String>().use { files ->
      val deleted = scope.async { files.reclaimed.take(3).toList() }
      val kept = register(files)
      println("three of four buffers are dropped; collectGarbage()")
      collectGarbage()
      println("tags delivered      -> ${deleted.await().sorted()}   (each tag once, the object only weakly)")
      println("still registered    -> '${kept.bytes.size}-byte buffer' (its tag waits for its reclaim)")
    }
  }

  /** Not inline on purpose: the dropped buffers are unreachable once this returns. */
  private fun register(files: ReclaimQueue<String>): Buffer {
    for (i in 1..3) {
      files.register(Buffer(ByteArray(16)), "tmp-$i")
    }
    val kept = Buffer(ByteArray(32))
    files.register(kept, "tmp-kept")
    return kept
  }

  /** A suspending cleanup: `scope.launchFinalizer(obj) { … }`. */
  private suspend fun suspendingCleanup() {
    println("\n>>> scope.launchFinalizer(conn) { /* suspends */ }")
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("cleanup"))
    val flushed = CompletableDeferred<Unit>()
    openAndDrop(scope, flushed)
    println("the connection is dropped; collectGarbage()")
    collectGarbage() // the engine launches the block in the scope and goes on
    flushed.await()

    val kept = Connection("kept")
    val f = scope.launchFinalizer(kept) { println("  'kept' closed by f()") }
    println("f.alive             -> ${f.alive}; f()?.join()")
    f()?.join()
    println("f.alive             -> ${f.alive}, f() -> ${f()}   (runs at most once)")

    val pending: Finalizer<Job> = scope.launchFinalizer(kept) { println("  never printed") }
    println("pending.alive       -> ${pending.alive}; scope.cancel()")
    scope.cancel()
    println("pending.alive       -> ${pending.alive}   (a cancelled scope detaches its finalizers)")
  }

  /** Not inline on purpose: the connection is unreachable once this returns. */
  private fun openAndDrop(scope: CoroutineScope, flushed: CompletableDeferred<Unit>) {
    val conn = Connection("db")
    val name = conn.name // capture the name, not conn
    scope.launchFinalizer(conn) {
      delay(10) // e.g. flushing over the network
      val coroutine = currentCoroutineContext()[CoroutineName]?.name
      println("  flushed and closed '$name' after suspending, in coroutine '$coroutine'")
      flushed.complete(Unit)
    }
  }

  private suspend fun coroutineScopeOnDefault(body: suspend (CoroutineScope) -> Unit) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    try {
      body(scope)
    } finally {
      scope.cancel()
    }
  }
}
