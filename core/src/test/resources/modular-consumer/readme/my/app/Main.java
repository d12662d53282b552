package my.app;

import dev.weakref.Finalizer;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import my.app.api.Greeter;

/**
 * Compiled with the README's module-info (ModularConsumerTest copies it in): prints one line per
 * thing its {@code exports} and {@code opens} are there for.
 */
public final class Main {
  static final Queue<String> EVENTS = new ConcurrentLinkedQueue<>();

  static final class Person implements Greeter {
    @Override
    public String greet(String name) {
      return "hello " + name;
    }
  }

  public static void main(String[] args) throws Exception {
    System.out.println("module " + Main.class.getModule().getName());
    Person p = new Person();
    Greeter proxy = WeakProxy.of(p, Greeter.class);
    System.out.println("proxy of my.app.api.Greeter: " + proxy.greet("world"));
    Reference.reachabilityFence(p);
    refWithCallback();
    Reclaimer.collect();
    System.out.println("events: " + EVENTS);
    System.out.println("capturing finalizer in my.app: " + capturingFinalizer(new Object()));
  }

  private static void refWithCallback() {
    WeakRef<Object> ref = new WeakRef<>(new Object(), r -> EVENTS.add("ref callback"));
    KEPT = ref;
  }

  /** Keeps the ref alive, so that its callback runs. */
  static Object KEPT;

  private static String capturingFinalizer(Object obj) {
    try {
      Finalizer.of(obj, () -> {
        obj.hashCode();
      }).detach();
      return "accepted";
    } catch (IllegalArgumentException e) {
      return "refused";
    }
  }
}
