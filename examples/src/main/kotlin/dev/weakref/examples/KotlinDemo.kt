package dev.weakref.examples

import dev.weakref.WeakRef
import dev.weakref.collectGarbage
import dev.weakref.invoke
import dev.weakref.weakRef
import dev.weakref.weakRefCount
import dev.weakref.weakValue

/** The Kotlin half of the demo: the same walk with the Kotlin facades. */
object KotlinDemo {
  private class Image(val name: String) {
    override fun toString() = "Image($name)"
  }

  private class Viewer {
    var image: Image? by weakValue()
  }

  @JvmStatic
  fun run() {
    println("== and in Kotlin ==")
    val viewer = Viewer()
    val wr = loadInto(viewer)
    println("wr()                   -> ${wr()}")
    println("viewer.image           -> ${viewer.image}   (a weakValue() delegate)")
    println("dropping the image and calling collectGarbage()...")
    collectGarbage()
    println("wr()                   -> ${wr()}")
    println("viewer.image           -> ${viewer.image}")
  }

  /** Not inline on purpose: an inline call would keep the image alive in this frame. */
  private fun loadInto(viewer: Viewer): WeakRef<Image> {
    val image = Image("cat.png")
    viewer.image = image
    println("image.weakRefCount     -> ${image.weakRefCount}")
    return image.weakRef { r -> println("  callback: $r was reclaimed") }
  }
}
