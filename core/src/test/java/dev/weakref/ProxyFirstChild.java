package dev.weakref;

import dev.weakref.engine.Reclaimer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A child JVM whose first tracked handle is a weak proxy, made before any {@code WeakRef} class
 * is initialized: the engine must still read the proxy's handler (count it, fire its callback).
 */
public final class ProxyFirstChild {
  private ProxyFirstChild() {}

  public static void main(String[] args) {
    AtomicInteger fired = new AtomicInteger();
    Supplier<String> referent = new Supplier<>() { // a fresh object: a lambda may be a singleton
      @Override
      public String get() {
        return "alive";
      }
    };
    Object proxy = WeakProxy.of(referent, Supplier.class, p -> fired.incrementAndGet());
    Object shared = WeakProxy.of(referent);
    System.out.println("count " + Reclaimer.weakRefCount(referent));
    System.out.println("get " + ((Supplier<?>) proxy).get());
    referent = null;
    Reclaimer.collect();
    System.out.println("fired " + fired.get());
    try {
      ((Supplier<?>) proxy).get();
      System.out.println("still alive");
    } catch (ReferenceError e) {
      System.out.println("dead");
    }
    System.out.println("shared " + (shared instanceof WeakProxy));
  }
}
