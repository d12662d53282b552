package dev.weakref.examples

import dev.weakref.WeakMethod
import dev.weakref.collectGarbage
import dev.weakref.invoke
import dev.weakref.weakMethod
import dev.weakref.weakProxy
import kotlin.reflect.KFunction0

/** The Kotlin half of the proxy demo: `weakMethod(c::method)` and `weakProxy<I>()`. */
object ProxyKotlinDemo {
  private class C {
    fun method() = println("method called!")
  }

  fun interface Greeter {
    fun greet(name: String): String
  }

  @JvmStatic
  fun run() {
    println("\n== WeakMethod and proxies in Kotlin ==")
    val r = makeWeakMethod()
    println("weakMethod(c::method)() -> ${r()}")
    r()?.invoke()
    println("dropping c and calling collectGarbage()...")
    collectGarbage()
    println("r()                     -> ${r()}")

    val greeter = Greeter { "hi $it" }
    val proxy = greeter.weakProxy<Greeter>()
    println("greeter.weakProxy()     -> $proxy (a ${proxy.javaClass.interfaces.last().simpleName})")
    println("proxy.greet(\"kotlin\")  -> ${proxy.greet("kotlin")}")
  }

  /** Not inline, and c is local here: once this returns, only the weak method refers to c. */
  private fun makeWeakMethod(): WeakMethod<KFunction0<Unit>> {
    val c = C()
    val r = weakMethod(c::method)
    r()?.invoke()
    return r
  }
}
