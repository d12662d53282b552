package dev.weakref.examples;

import dev.weakref.WeakRef;
import dev.weakref.interop.Weakref;
import java.util.function.Consumer;

/**
 * The runnable demo: walks through the Python documentation's {@code weakref} examples, in Java and
 * then in Kotlin, printing what happens. Run it with the README's first command.
 */
public final class Demo {
  private Demo() {}

  /** A class whose instances can be weakly referenced (every ordinary Java class can). */
  static final class Thing {
    final String name;

    Thing(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "Thing(" + name + ")";
    }
  }

  /** The Python docs' ExtendedRef: a ref subclass that counts how often its referent was fetched. */
  static final class ExtendedRef<T> extends WeakRef<T> {
    int calls;
    final String note;

    ExtendedRef(T ob, Consumer<? super WeakRef<T>> callback, String note) {
      super(ob, callback);
      this.note = note;
    }

    @Override
    public T get() {
      T ob = super.get();
      if (ob != null) {
        calls++;
      }
      return ob;
    }
  }

  /**
   * Runs the Java walk-through, then the Kotlin one.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    System.out.println("== weakref for the JVM: the Python docs' examples, in Java ==");
    refWalk();
    callbackWalk();
    extendedRefWalk();
    FinalizeDemo.run();
    ContainersDemo.run();
    ProxyDemo.run();
    System.out.println();
    KotlinDemo.run();
    CoroutinesKotlinDemo.run();
  }

  private static void refWalk() {
    System.out.println("\n>>> o = Thing(); r = weakref.ref(o); o2 = r()");
    Thing o = new Thing("o");
    WeakRef<Thing> r = Weakref.ref(o);
    Thing o2 = r.get();
    System.out.println("o is o2           -> " + (o == o2));
    System.out.println("r                 -> " + r);
    System.out.println("ref(o) is ref(o)  -> " + (Weakref.ref(o) == r) + "   (callback-less refs are shared)");
    System.out.println("getweakrefcount(o)-> " + Weakref.getWeakRefCount(o));
    o = null;
    o2 = null;
    Weakref.collect();
    System.out.println(">>> del o, o2; gc.collect()");
    System.out.println("r()               -> " + r.get());
    System.out.println("r                 -> " + r);
  }

  private static void callbackWalk() {
    System.out.println("\n>>> r = weakref.ref(o, callback)");
    Thing o = new Thing("with callbacks");
    WeakRef<Thing> first = Weakref.ref(o, wr -> System.out.println(
        "  callback 'first' ran on " + Thread.currentThread().getName() + " with " + wr));
    WeakRef<Thing> second = Weakref.ref(o, wr -> System.out.println(
        "  callback 'second' ran (newest first); get() is " + wr.get()));
    System.out.println("two refs with callbacks made; dropping the object and collecting...");
    o = null;
    Weakref.collect();
    System.out.println("collect() returned after both callbacks; first() -> " + first.get()
        + ", second() -> " + second.get());
  }

  private static void extendedRefWalk() {
    System.out.println("\n>>> class ExtendedRef(weakref.ref): counts its calls");
    Thing o = new Thing("extended");
    ExtendedRef<Thing> r = new ExtendedRef<>(o, null, "a note");
    r.get();
    r.get();
    r.get();
    System.out.println("r() three times   -> calls = " + r.calls + ", note = '" + r.note + "'");
    o = null;
    Weakref.collect();
    System.out.println("after collect r() -> " + r.get() + ", calls still " + r.calls);
  }
}
