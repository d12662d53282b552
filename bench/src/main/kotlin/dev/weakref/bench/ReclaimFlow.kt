@file:JvmName("ReclaimFlow")

package dev.weakref.bench

import dev.weakref.Finalizer
import dev.weakref.WeakRef
import dev.weakref.bench.report.HarnessResults
import dev.weakref.coroutines.ReclaimQueue
import dev.weakref.coroutines.reclaimEvents
import dev.weakref.engine.ReclaimEvent
import dev.weakref.engine.ReclaimListener
import dev.weakref.engine.Reclaimer
import java.lang.ref.Cleaner
import java.lang.ref.Reference
import java.lang.ref.ReferenceQueue
import java.lang.ref.WeakReference
import java.nio.file.Path
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.coroutines.runBlocking

/*
 * Flow emission, a plain harness like ReclaimThroughput: n objects, each with a reference that is
 * kept, are dropped at once; a trial times from the drop to the last event delivered, and reports
 * events per second (millions). Six ways, each trial runs all six in an order that rotates:
 *
 *   flow_reclaimQueue           ours: ReclaimQueue.register(o, tag) per object (the queue is the
 *                               only holder of the registrations), reclaimed collected in runBlocking
 *   flow_reclaimEvents          ours: WeakRef per object, reclaimEvents() collected in runBlocking
 *   flow_reclaimEventsFinalizer ours: the same flow, but Finalizer.of(o, nothing) per object: one
 *                               engine reference per object as the peer has one WeakReference, so
 *                               that the flow's cost shows apart from the WeakRef's bookkeeping (a
 *                               weak cell and a table entry per ref); no target
 *   flow_referenceQueueChannel  peer: WeakReference + ReferenceQueue, a thread drains the queue into
 *                               an unlimited kotlinx Channel, collected as receiveAsFlow()
 *   direct_reclaimListener      ours without coroutines: Reclaimer.addListener counts on the engine
 *   direct_referenceQueue       peer without coroutines: the draining thread counts
 *
 * The flow rows are what a coroutine user gets; the direct pair isolates the engine from the channel.
 *
 * Then the retained bytes per registration, by heap deltas after full collections as in RefMemory
 * (run with -XX:+UseSerialGC -XX:MarkSweepDeadRatio=0): ReclaimQueue.register(o, tag) against
 * Cleaner.register(o, action), a million objects allocated before the baseline, one shared tag and
 * one shared action, so that both figures are the mechanism's own bytes.
 * Run: java -Xmx2g -cp bench/target/benchmarks.jar dev.weakref.bench.ReclaimFlow [out.json] [trials [n]]
 * (defaults 5 trials, 200,000 objects).
 */

/** An object whose reclamation a trial counts. */
private class Payload

/** An object dropped only to learn that a collector has subscribed. */
private class Probe

private enum class Way(val label: String, val ours: Boolean) {
  FLOW_QUEUE("flow_reclaimQueue", true),
  FLOW_OURS("flow_reclaimEvents", true),
  FLOW_FINALIZER("flow_reclaimEventsFinalizer", true),
  FLOW_PEER("flow_referenceQueueChannel", false),
  DIRECT_OURS("direct_reclaimListener", true),
  DIRECT_PEER("direct_referenceQueue", false),
}

/**
 * Runs the trials, prints the medians, and writes them for the report when given a JSON file.
 *
 * @param args optional: the JSON file to write, the number of trials, the number of objects
 */
public fun main(args: Array<String>) {
  var rest = args.toList()
  val json = rest.firstOrNull()?.takeIf { it.endsWith(".json") }?.let { Path.of(it) }
  if (json != null) rest = rest.drop(1)
  val trials = rest.getOrNull(0)?.toInt() ?: 5
  val n = rest.getOrNull(1)?.toInt() ?: 200_000
  val ways = Way.entries
  val results = ways.associateWith { ArrayList<Double>() }
  for (way in ways) trial(way, n / 10) // warm-up of every path
  for (t in 0 until trials) {
    val line = StringBuilder("trial ${t + 1}:")
    for (k in ways.indices) {
      val way = ways[(t + k) % ways.size] // rotate who goes first
      val rate = trial(way, n)
      results.getValue(way).add(rate)
      line.append(String.format(" | %s %.2f M/s", way.label, rate))
    }
    println(line)
  }
  println("\nmedian of $trials trials, $n objects each (million events per second, higher is better):")
  for (way in ways) {
    println(String.format("  %-28s %.2f", way.label, median(results.getValue(way))))
  }
  if (json != null) {
    val out = HarnessResults()
    for (way in ways) {
      out.add("dev.weakref.bench.ReclaimFlowBenchmark.${way.label}", "Mevents/s",
          *results.getValue(way).toDoubleArray())
    }
    memory(out)
    out.write(json)
  } else {
    memory(HarnessResults())
  }
}

/**
 * Collects [queue] in a coroutine on a daemon thread until the queue is closed: the collector of
 * `ReclaimQueueBenchmark`, which is Java.
 *
 * @param queue the queue to collect
 * @return the thread, which ends once the queue is closed and empty
 */
public fun collectInBackground(queue: ReclaimQueue<*>): Thread =
    thread(isDaemon = true, name = "reclaimQueue-collector") {
      runBlocking { queue.reclaimed.collect {} }
    }

/** The one tag of every registration of the memory measurement: its bytes are the caller's. */
private val TAG = Any()
private val MEMORY_CLEANER: Cleaner = Cleaner.create()
private val NOTHING = Runnable {}

/** Adds the bytes-per-registration rows: ReclaimQueue against Cleaner, 3 trials each. */
private fun memory(out: HarnessResults) {
  val n = 1_000_000
  val objects = Array(n) { Any() }
  for ((label, register) in listOf<Pair<String, (Any) -> Any?>>(
      "reclaimQueue" to { o -> QUEUE_FOR_MEMORY.register(o, TAG) },
      "cleaner" to { o -> MEMORY_CLEANER.register(o, NOTHING) },
  )) {
    val trials = DoubleArray(3)
    for (t in trials.indices) {
      val keep = arrayOfNulls<Any>(n)
      val before = usedAfterGc()
      for (i in 0 until n) keep[i] = register(objects[i])
      val after = usedAfterGc()
      Reference.reachabilityFence(keep)
      trials[t] = (after - before) / n.toDouble() // keep is in the baseline
      if (label == "reclaimQueue") {
        QUEUE_FOR_MEMORY.close() // drops the registrations
        QUEUE_FOR_MEMORY = ReclaimQueue()
      } else {
        for (c in keep) (c as Cleaner.Cleanable).clean()
      }
    }
    println(String.format("  bytesPerRegistration %-14s %.1f B %s", label, median(trials.toList()),
        trials.contentToString()))
    out.add("dev.weakref.bench.ReclaimQueueMemoryBenchmark.bytesPerRegistration_$label", "B/registration",
        *trials)
  }
  Reference.reachabilityFence(objects)
}

private var QUEUE_FOR_MEMORY = ReclaimQueue<Any>()

private fun usedAfterGc(): Long {
  Reclaimer.collect()
  Reclaimer.collect()
  val rt = Runtime.getRuntime()
  return rt.totalMemory() - rt.freeMemory()
}

/** One trial: returns millions of events delivered per second, from the drop to the last one. */
private fun trial(way: Way, n: Int): Double {
  Reclaimer.collect() // nothing left over from the previous trial
  val received = AtomicInteger()
  val done = CountDownLatch(1)
  val queue = ReferenceQueue<Any>()
  val threads = ArrayList<Thread>()
  var listener: ReclaimListener? = null
  var channel: Channel<Any>? = null
  var reclaimQueue: ReclaimQueue<Any>? = null
  when (way) {
    Way.FLOW_QUEUE -> {
      val q = ReclaimQueue<Any>()
      reclaimQueue = q
      threads += thread(isDaemon = true, name = "flow-collector") {
        runBlocking { q.reclaimed.first { received.incrementAndGet() == n } }
        done.countDown()
      }
    }
    Way.FLOW_OURS, Way.FLOW_FINALIZER -> {
      // A WeakRef's event names the Payload class; a finalizer run after reclamation cannot know
      // its object's class (see ReclaimEvent), so that way counts the FINALIZER_RECLAIMED kind.
      val counted: (ReclaimEvent) -> Boolean = if (way == Way.FLOW_OURS) {
        { e -> e.kind == ReclaimEvent.Kind.REFERENT && e.referentType == Payload::class.java }
      } else {
        { e -> e.kind == ReclaimEvent.Kind.FINALIZER_RECLAIMED }
      }
      val subscribed = CountDownLatch(1)
      threads += thread(isDaemon = true, name = "flow-collector") {
        runBlocking {
          reclaimEvents().first { e ->
            when {
              e.referentType == Probe::class.java -> {
                subscribed.countDown()
                false
              }
              counted(e) -> received.incrementAndGet() == n
              else -> false
            }
          }
        }
        done.countDown()
      }
      awaitSubscribed(subscribed)
    }
    Way.DIRECT_OURS -> {
      listener = ReclaimListener { e ->
        if (e.referentType == Payload::class.java && received.incrementAndGet() == n) done.countDown()
      }
      Reclaimer.addListener(listener)
    }
    Way.FLOW_PEER -> {
      val ch = Channel<Any>(Channel.UNLIMITED)
      channel = ch
      threads += drainer(queue) { ref -> ch.trySend(ref) }
      threads += thread(isDaemon = true, name = "flow-collector") {
        runBlocking { ch.receiveAsFlow().first { received.incrementAndGet() == n } }
        done.countDown()
      }
    }
    Way.DIRECT_PEER -> {
      threads += drainer(queue) { if (received.incrementAndGet() == n) done.countDown() }
    }
  }
  val objects = arrayOfNulls<Any>(n)
  val refs = arrayOfNulls<Any>(n) // kept: an event is due only for an object whose ref is alive
  for (i in 0 until n) {
    val o = Payload()
    objects[i] = o
    when {
      reclaimQueue != null -> reclaimQueue.register(o, TAG)
      way == Way.FLOW_FINALIZER -> refs[i] = Finalizer.of(o, NOTHING)
      way.ours -> refs[i] = WeakRef(o)
      else -> refs[i] = WeakReference(o, queue)
    }
  }
  objects.fill(null)
  val t0 = System.nanoTime()
  System.gc()
  var last = -1
  var stalled = 0
  while (!done.await(1, TimeUnit.SECONDS)) {
    val now = received.get()
    if (now == last) {
      System.gc() // no progress for a second: that collection did not find them all
      check(++stalled < 30) { "${way.label}: no event for 30 s, $now of $n received" }
    } else {
      stalled = 0
    }
    last = now
  }
  val t1 = System.nanoTime()
  Reference.reachabilityFence(refs)
  listener?.let { Reclaimer.removeListener(it) }
  channel?.close()
  reclaimQueue?.close()
  for (t in threads) {
    t.interrupt() // the drainer blocks in queue.remove(); the collectors have finished
    t.join()
  }
  return n / ((t1 - t0) / 1e9) / 1e6
}

/** A thread that takes every cleared reference off [queue] and hands it to [sink]. */
private fun drainer(queue: ReferenceQueue<Any>, sink: (Reference<*>) -> Unit): Thread =
    thread(isDaemon = true, name = "queue-drainer") {
      try {
        while (true) sink(queue.remove())
      } catch (_: InterruptedException) {
        // the trial is over
      }
    }

/**
 * Returns once the flow collector is subscribed: drops a probe object with a live ref until the
 * collector reports having seen its event (an event before the subscription is not delivered).
 */
private fun awaitSubscribed(subscribed: CountDownLatch) {
  val probes = ArrayList<WeakRef<Any>>()
  repeat(100) {
    probes += probeRef()
    Reclaimer.collect()
    if (subscribed.await(100, TimeUnit.MILLISECONDS)) return
  }
  error("the reclaimEvents() collector did not subscribe after 100 probes")
}

/** A ref to a probe that nothing else holds (a separate function, so no frame keeps the probe). */
private fun probeRef(): WeakRef<Any> = WeakRef(Probe())

private fun median(xs: List<Double>): Double {
  val s = xs.sorted()
  val m = s.size / 2
  return if (s.size % 2 == 1) s[m] else (s[m - 1] + s[m]) / 2
}
