package dev.weakref.examples

import dev.weakref.alive
import dev.weakref.atExit
import dev.weakref.collectGarbage
import dev.weakref.finalize
import dev.weakref.invoke

/** The Kotlin half of the finalize demo: `finalize(obj) { … }`, `f()`, `f.alive`, `f.atExit`. */
object FinalizeKotlinDemo {
  private class Connection(val name: String)

  @JvmStatic
  fun run() {
    println("\n== finalize in Kotlin ==")
    val conn = Connection("db")
    val name = conn.name // capture the name, not conn
    val f = finalize(conn) { println("  closing $name"); "closed $name" }
    println("f.alive  -> ${f.alive}, f.atExit -> ${f.atExit}")
    println("f()      -> ${f()}")
    println("f()      -> ${f()}   (dead: runs at most once)")
    openAndDrop()
    collectGarbage()
  }

  /** Not inline on purpose: an inline call would keep the connection alive in this frame. */
  private fun openAndDrop() {
    val f = finalize(Connection("cache")) { println("  cache connection reclaimed, closed") }
    f.atExit = false
    println("dropping a connection whose finalizer has atExit = ${f.atExit}; collectGarbage()")
  }
}
