package dev.weakref.coroutines

/*
 * The admission rule of the core's WeakRef, for the objects this module watches itself: not an
 * instance of a JDK value-based class (Integer, Optional, LocalDate, List.of lists, ...), whose
 * identity is meaningless, so a weak reference to one may die at any moment or never. The JDK marks
 * these classes with the runtime-retained annotation jdk.internal.ValueBased.
 */

private val VALUE_BASED =
    object : ClassValue<Boolean>() {
      override fun computeValue(type: Class<*>): Boolean {
        var c: Class<*>? = type
        while (c != null) {
          if (c.declaredAnnotations.any { it.annotationClass.java.name == "jdk.internal.ValueBased" }) {
            return true
          }
          c = c.superclass
        }
        return false
      }
    }

private val PLATFORM: ClassLoader = ClassLoader.getPlatformClassLoader()

/** Throws [IllegalArgumentException] if [obj] is of a JDK value-based class. */
internal fun requireWatchable(obj: Any) {
  val type = obj.javaClass
  // Value-based classes all live in the JDK: one field read rules out application classes.
  val loader = type.classLoader
  require(!((loader == null || loader === PLATFORM) && VALUE_BASED.get(type))) {
    "cannot watch the reclaim of value-based ${type.name}: its identity is meaningless"
  }
}
