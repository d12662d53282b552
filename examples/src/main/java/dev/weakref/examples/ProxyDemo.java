package dev.weakref.examples;

import dev.weakref.ReferenceError;
import dev.weakref.WeakMethod;
import dev.weakref.WeakRef;
import dev.weakref.interop.Weakref;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The demo's proxy and {@code WeakMethod} part: the Python docs' {@code WeakMethod} example, and a
 * weak proxy used in place of a listener so that an event bus does not keep its listeners alive.
 */
final class ProxyDemo {
  private ProxyDemo() {}

  /** The Python docs' class {@code C} with its {@code method}. */
  static final class C {
    void method() {
      System.out.println("method called!");
    }
  }

  /** A listener interface, as an event bus would declare it. */
  interface Listener {
    void onEvent(String event);
  }

  /** A screen that listens: the bus must not keep it alive. */
  static final class Screen implements Listener {
    final String name;

    Screen(String name) {
      this.name = name;
    }

    @Override
    public void onEvent(String event) {
      System.out.println("  " + name + " got '" + event + "'");
    }
  }

  /** A bus holding its listeners strongly, as most do: weak proxies make that harmless. */
  static final class Bus {
    final List<Listener> listeners = new CopyOnWriteArrayList<>();

    void publish(String event) {
      for (Listener l : listeners) {
        l.onEvent(event);
      }
    }
  }

  private static final Function<C, Runnable> METHOD = c -> c::method;

  /** Runs the walk-through, then its Kotlin half. */
  static void run() {
    weakMethodWalk();
    proxyWalk();
    ProxyKotlinDemo.run();
  }

  private static void weakMethodWalk() {
    System.out.println("\n>>> c = C(); r = weakref.ref(c.method); r()");
    C c = new C();
    WeakRef<Runnable> plain = plainRef(c);
    Weakref.collect();
    System.out.println("r()               -> " + plain.get() + "   (the bound method object died at once)");
    System.out.println(">>> r = weakref.WeakMethod(c.method); r()()");
    WeakMethod<Runnable> r = Weakref.weakMethod(c, METHOD);
    System.out.println("r()               -> " + r.get());
    Runnable bound = r.get();
    if (bound != null) {
      bound.run();
    }
    bound = null;
    c = null;
    Weakref.collect();
    System.out.println(">>> del c; gc.collect(); r()");
    System.out.println("r()               -> " + r.get());
  }

  private static WeakRef<Runnable> plainRef(C c) {
    Runnable bound = c::method;
    return new WeakRef<>(bound);
  }

  private static void proxyWalk() {
    System.out.println("\n>>> a weak proxy in place of a listener: the bus does not keep the screen alive");
    Bus bus = new Bus();
    Screen screen = new Screen("screen");
    Listener proxy = Weakref.proxy(screen, Listener.class, p -> {
      System.out.println("  callback: " + p + " unsubscribes itself");
      bus.listeners.remove(p);
    });
    bus.listeners.add(proxy);
    System.out.println("proxy             -> " + proxy);
    bus.publish("hello");
    System.out.println("dropping the screen and collecting...");
    screen = null;
    Weakref.collect();
    System.out.println("bus listeners     -> " + bus.listeners);
    System.out.println("proxy             -> " + proxy);
    try {
      proxy.onEvent("too late");
    } catch (ReferenceError e) {
      System.out.println("proxy.onEvent()   -> ReferenceError: " + e.getMessage());
    }
  }
}
