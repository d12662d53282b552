/**
 * Python's {@code weakref} module as Java statics: {@link dev.weakref.interop.Weakref}. Needs no
 * Kotlin at run time.
 */
module dev.weakref.interop {
  requires transitive dev.weakref; // Weakref's methods take and return dev.weakref's types
  requires static org.jspecify;

  exports dev.weakref.interop;
}
