package demo.app;

import dev.weakref.internal.engine.Tracking;

/** Must not compile: the engine's implementation is not exported. */
public final class UsesInternals {
  public static int count(Object o) {
    return Tracking.weakRefCount(o);
  }
}
