package demo.app;

import demo.api.Greeter;
import demo.closed.Capturing;
import demo.hidden.Secret;
import dev.weakref.Finalizer;
import dev.weakref.ReferenceError;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Prints one line per fact; ModularConsumerTest compares them. */
public final class Main {
  static final Queue<String> EVENTS = new ConcurrentLinkedQueue<>();

  static final class Person implements Greeter, Secret {
    @Override
    public String greet(String name) {
      return "hello " + name;
    }

    @Override
    public String tell() {
      return "a secret";
    }
  }

  public static void main(String[] args) throws Exception {
    System.out.println("module " + Main.class.getModule().getName()
        + ", weakref module " + WeakRef.class.getModule().getName());
    System.out.println("dev.weakref reads jdk.management: " + ModuleLayer.boot()
        .findModule("jdk.management").map(WeakRef.class.getModule()::canRead).orElse(false));
    WeakRef<Object> ref = refWithCallback();
    WeakKeyDictionary<Object, String> dict = new WeakKeyDictionary<>();
    Object kept = new Object();
    dict.put(kept, "kept");
    putGarbageKey(dict);
    finalizerOfGarbage();
    Greeter proxy = proxyOfGarbage();
    System.out.println("dict size before: " + dict.size());

    Reclaimer.collect();

    List<String> events = new ArrayList<>(EVENTS);
    events.sort(null);
    for (String e : events) {
      System.out.println("event: " + e);
    }
    System.out.println("ref after: " + ref.get());
    System.out.println("dict after: " + dict.size() + " " + dict.get(kept));
    try {
      proxy.greet("again");
      System.out.println("dead proxy: answered");
    } catch (ReferenceError e) {
      System.out.println("dead proxy: ReferenceError");
    }
    System.out.println("capture in an open package: " + capturingFinalizer(new Object()));
    System.out.println("capture in a closed package: " + Capturing.finalizerCapturing(new Object()));
    System.out.println("proxy of an unexported interface: " + unexportedProxy());
    System.out.println("internal engine: " + internalAccess());
  }

  private static WeakRef<Object> refWithCallback() {
    Object referent = new Object();
    WeakRef<Object> ref = new WeakRef<>(referent, r -> EVENTS.add("ref callback, get() " + r.get()));
    System.out.println("ref before: " + (ref.get() == referent));
    return ref;
  }

  private static void putGarbageKey(WeakKeyDictionary<Object, String> dict) {
    dict.put(new Object(), "garbage");
  }

  private static void finalizerOfGarbage() {
    Finalizer.of(new Object(), () -> EVENTS.add("finalizer ran"));
  }

  private static Greeter proxyOfGarbage() {
    Person p = new Person();
    Greeter proxy = WeakProxy.of(p, Greeter.class, g -> EVENTS.add("proxy callback"));
    System.out.println("proxy: " + proxy.greet("world") + ", a WeakProxy: "
        + (proxy instanceof WeakProxy));
    return proxy;
  }

  private static String capturingFinalizer(Object obj) {
    try {
      Finalizer<?> f = Finalizer.of(obj, () -> {
        obj.hashCode();
      });
      f.detach();
      return "accepted";
    } catch (IllegalArgumentException e) {
      return "refused";
    }
  }

  private static String unexportedProxy() {
    Person p = new Person();
    try {
      Secret s = WeakProxy.of(p, Secret.class);
      return s.tell();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static String internalAccess() {
    try {
      Class<?> tracking = Class.forName("dev.weakref.internal.engine.Tracking");
      return "callable: " + tracking.getMethod("weakRefCount", Object.class).invoke(null, "x");
    } catch (IllegalAccessException e) {
      return "IllegalAccessException";
    } catch (ReflectiveOperationException e) {
      return e.toString();
    }
  }
}
