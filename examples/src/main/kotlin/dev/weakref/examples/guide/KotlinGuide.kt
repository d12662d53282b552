package dev.weakref.examples.guide

import dev.weakref.ReferenceError
import dev.weakref.WeakKeyDictionary
import dev.weakref.WeakSet
import dev.weakref.WeakValueDictionary
import dev.weakref.alive
import dev.weakref.collectGarbage
import dev.weakref.coroutines.ReclaimQueue
import dev.weakref.coroutines.awaitCollection
import dev.weakref.coroutines.awaitReclaimed
import dev.weakref.coroutines.launchFinalizer
import dev.weakref.coroutines.reclaimEvents
import dev.weakref.coroutines.reclaimedValues
import dev.weakref.coroutines.referentKClass
import dev.weakref.finalize
import dev.weakref.invoke
import dev.weakref.plusAssign
import dev.weakref.weakMethod
import dev.weakref.weakProxy
import dev.weakref.weakRef
import dev.weakref.or
import dev.weakref.plus
import dev.weakref.weakKeyDictionaryOf
import dev.weakref.weakSetOf
import dev.weakref.weakValue
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/**
 * The README's Kotlin snippets: each function's body between `// tag::name[]` and `// end::name[]`
 * is the README block marked `<!-- snippet: name -->` (under a kotlin fence), byte for byte once
 * unindented. `ReadmeSnippetsTest` runs every function and checks what it prints.
 */
@Suppress("UNUSED_VALUE", "ASSIGNED_BUT_NEVER_ACCESSED_VARIABLE", "unused")
object KotlinGuide {
  /** Python's `weakref.ref(obj)`. */
  @JvmStatic
  fun ref() {
    // tag::ref[]
    var image: Image? = Image("cat.png")
    val wr = image!!.weakRef()         // the shared ref, the one Weakref.ref(image) returns
    println(wr())                      // Image(cat.png): operator invoke, as r() in Python
    image = null
    collectGarbage()                   // tests only: a GC, then every callback it caused
    println(wr())                      // null
    // end::ref[]
  }

  /** Python's `weakref.ref(obj, callback)`. */
  @JvmStatic
  fun refCallback() {
    // tag::ref-callback[]
    var image: Image? = Image("dog.png")
    val wr = image!!.weakRef { r -> println("reclaimed: $r") }
    image = null
    collectGarbage()                   // reclaimed: <weakref at 0x1b6d3586; dead>
    println(wr())                      // null; wr must stay reachable for its callback to run
    // end::ref-callback[]
  }

  /** Python's `weakref.proxy(obj)`. */
  @JvmStatic
  fun proxy() {
    // tag::proxy[]
    // weakProxy() is inline: call it from a function of its own, or this frame keeps screen alive
    fun proxyOf(screen: Screen): Listener = screen.weakProxy()
    var screen: Screen? = Screen("main")
    val l = proxyOf(screen!!)
    l.onEvent("click")                 // main got click
    screen = null
    collectGarbage()
    try {
      l.onEvent("click")
    } catch (e: ReferenceError) {
      println(e.message)               // weakly-referenced object no longer exists
    }
    // end::proxy[]
  }

  /** Python's `weakref.WeakKeyDictionary`. */
  @JvmStatic
  fun weakKeyDictionary() {
    // tag::weak-key-dictionary[]
    val thumbs = WeakKeyDictionary<Image, String>()
    var image: Image? = Image("cat.png")
    thumbs[image!!] = "cat-64.png"
    println(thumbs[image])             // cat-64.png
    image = null
    collectGarbage()
    println(thumbs.size)               // 0
    // end::weak-key-dictionary[]
  }

  /** Python's `weakref.WeakValueDictionary`. */
  @JvmStatic
  fun weakValueDictionary() {
    // tag::weak-value-dictionary[]
    val cache = WeakValueDictionary<String, Image>()
    var image: Image? = Image("cat.png")
    cache["cat"] = image!!
    println(cache["cat"])              // Image(cat.png)
    image = null
    collectGarbage()
    println(cache["cat"])              // null
    // end::weak-value-dictionary[]
  }

  /** Python's `weakref.WeakSet`. */
  @JvmStatic
  fun weakSet() {
    // tag::weak-set[]
    val listeners = WeakSet<Listener>()
    var screen: Screen? = Screen("main")
    listeners += screen!!
    println(screen in listeners)       // true
    screen = null
    collectGarbage()
    println(listeners.isEmpty())       // true
    // end::weak-set[]
  }

  /** Python's `d | other`, `d |= other` and the set operators. */
  @JvmStatic
  fun containerOperators() {
    // tag::container-operators[]
    val a = Image("a.png")
    val b = Image("b.png")
    val d = weakKeyDictionaryOf(a to "a-64.png")
    val both = d + mapOf(b to "b-64.png")  // Python's d | other: a new WeakKeyDictionary
    d += b to "b-64.png"                   // Python's d |= other
    println("${d.size} ${both.size}")      // 2 2
    val s = weakSetOf(a) or listOf(b)      // also s + b, s - listOf(a), s += b
    println(s.size)                        // 2
    // end::container-operators[]
  }

  /** Python's `weakref.WeakMethod(obj.method)`. */
  @JvmStatic
  fun weakMethod() {
    // tag::weak-method[]
    var counter: Counter? = Counter()
    val wm = weakMethod(counter!!::increment)  // a bound callable reference
    wm()?.invoke()
    println(counter.count)             // 1
    counter = null
    collectGarbage()
    println(wm())                      // null
    // end::weak-method[]
  }

  /** Python's `weakref.finalize(obj, func)`. */
  @JvmStatic
  fun finalizeSnippet() {
    // tag::finalize[]
    var image: Image? = Image("tmp.png")
    val name = image!!.name            // capture the name, never the image
    val f = finalize(image) { println("$name deleted") }  // Finalizer<Unit>
    println(f.alive)                   // true
    image = null
    collectGarbage()                   // tmp.png deleted
    println(f.alive)                   // false
    // end::finalize[]
  }

  /** A property that holds its value weakly. */
  @JvmStatic
  fun weakValueProperty() {
    // tag::weak-value[]
    class Viewer {
      var image: Image? by weakValue()
    }
    val viewer = Viewer()
    viewer.image = Image("cat.png")    // nothing else holds it
    collectGarbage()
    println(viewer.image)              // null
    // end::weak-value[]
  }

  /** `reclaimEvents()`: every reclaim as a `Flow`. */
  @JvmStatic
  fun reclaimEventsSnippet(): Unit = runBlocking {
    // tag::reclaim-events[]
    val seen = launch(start = CoroutineStart.UNDISPATCHED) {  // listening once launch returns
      val event = reclaimEvents().filter { it.referentKClass == Image::class }.first()
      println("an ${event.referentKClass.simpleName} was reclaimed")
    }
    var image: Image? = Image("cat.png")
    val wr = image!!.weakRef()         // an object has events while it has refs
    image = null
    collectGarbage()
    seen.join()                        // an Image was reclaimed
    // end::reclaim-events[]
  }

  /** `ReclaimQueue`: the reference queue as a hot `Flow` of tags. */
  @JvmStatic
  fun reclaimQueue(): Unit = runBlocking {
    // tag::reclaim-queue[]
    ReclaimQueue<String>().use { files ->
      var buffer: ByteArray? = ByteArray(1024)
      files.register(buffer!!, "tmp-1") // the buffer weakly, its tag strongly until delivered
      buffer = null
      collectGarbage()
      println(files.reclaimed.first())  // tmp-1
    }
    // end::reclaim-queue[]
  }

  /** `awaitReclaimed()` and `awaitCollection()`. */
  @JvmStatic
  fun awaitReclaimedSnippet(): Unit = runBlocking {
    // tag::await-reclaimed[]
    var image: Image? = Image("cat.png")
    val wr = image!!.weakRef()
    val waiter = launch {
      wr.awaitReclaimed()              // suspends; never keeps the image alive
      println("the image was reclaimed")
    }
    image = null
    awaitCollection()                  // collectGarbage() that suspends instead of blocking
    waiter.join()
    // end::await-reclaimed[]
  }

  /** `launchFinalizer`: a finalizer whose block suspends. */
  @JvmStatic
  fun launchFinalizerSnippet(): Unit = runBlocking {
    // tag::launch-finalizer[]
    var image: Image? = Image("tmp.png")
    val name = image!!.name            // capture the name, never the image
    val f = launchFinalizer(image) {   // Finalizer<Job>; the block runs in this scope
      delay(10)                        // e.g. a network call
      println("$name deleted")
    }
    image = null
    collectGarbage()                   // launches the block and goes on
    println(f.alive)                   // false; "tmp.png deleted" follows
    // end::launch-finalizer[]
  }

  /** `WeakKeyDictionary.reclaimedValues()`. */
  @JvmStatic
  fun containerFlow(): Unit = runBlocking {
    // tag::container-flow[]
    val cache = WeakKeyDictionary<Image, String>()
    val evicted = cache.reclaimedValues() // Flow<String>, listening from here
    var image: Image? = Image("cat.png")
    cache[image!!] = "cat-64.png"
    image = null
    collectGarbage()
    println(evicted.first())           // cat-64.png
    // end::container-flow[]
  }
}
