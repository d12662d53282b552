package dev.weakref.examples.guide;

import dev.weakref.Finalizer;
import dev.weakref.ReclaimRegistration;
import dev.weakref.ReferenceError;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakMethod;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.interop.Weakref;

/**
 * The README's Java snippets: each method's body between {@code // tag::name[]} and
 * {@code // end::name[]} is the README block marked {@code <!-- snippet: name -->}, byte for byte
 * once unindented. {@code ReadmeSnippetsTest} runs every method, checks what it prints, and fails
 * when the README's copy differs. Edit here, then rewrite the README with the command in
 * CONTRIBUTING.md.
 */
@SuppressWarnings({"UnusedAssignment", "unused"})
public final class JavaGuide {
  private JavaGuide() {}

  /** Python's {@code weakref.ref(obj)}. */
  public static void ref() {
    // tag::ref[]
    Image image = new Image("cat.png");
    WeakRef<Image> wr = Weakref.ref(image);        // the shared callback-less ref
    System.out.println(wr.get());                  // Image(cat.png)
    System.out.println(Weakref.ref(image) == wr);  // true: reused, as CPython does
    image = null;                                  // Python: del image
    Weakref.collect();                             // tests only: a GC, then every callback it caused
    System.out.println(wr.get());                  // null
    // end::ref[]
  }

  /** Python's {@code weakref.ref(obj, callback)}. */
  public static void refCallback() {
    // tag::ref-callback[]
    Image image = new Image("dog.png");
    WeakRef<Image> wr = Weakref.ref(image, r -> System.out.println("reclaimed: " + r));
    image = null;
    Weakref.collect();             // reclaimed: <weakref at 0x1b6d3586; dead>, on weakref-reclaimer
    System.out.println(wr.get());  // null; wr must stay reachable for its callback to run
    // end::ref-callback[]
  }

  /** Python's {@code weakref.proxy(obj)}. */
  public static void proxy() {
    // tag::proxy[]
    Screen screen = new Screen("main");
    Listener l = Weakref.proxy(screen, Listener.class); // a Listener holding screen weakly
    l.onEvent("click");                                 // main got click
    screen = null;
    Weakref.collect();
    try {
      l.onEvent("click");
    } catch (ReferenceError e) {
      System.out.println(e.getMessage());               // weakly-referenced object no longer exists
    }
    // end::proxy[]
  }

  /** Python's {@code weakref.WeakKeyDictionary}. */
  public static void weakKeyDictionary() {
    // tag::weak-key-dictionary[]
    WeakKeyDictionary<Image, String> thumbs = Weakref.weakKeyDictionary(); // a side table
    Image image = new Image("cat.png");
    thumbs.put(image, "cat-64.png");
    System.out.println(thumbs.get(image));  // cat-64.png
    image = null;
    Weakref.collect();
    System.out.println(thumbs.size());      // 0: the mapping went with its key
    // end::weak-key-dictionary[]
  }

  /** {@code onReclaim}: a typed notification when an entry goes. */
  public static void onReclaim() {
    // tag::on-reclaim[]
    WeakKeyDictionary<Image, String> thumbs = Weakref.weakKeyDictionary();
    try (ReclaimRegistration r = thumbs.onReclaim(thumb -> System.out.println("delete " + thumb))) {
      thumbs.put(new Image("cat.png"), "cat-64.png");
      Weakref.collect();                         // delete cat-64.png, on the engine thread
    }
    // end::on-reclaim[]
  }

  /** Python's {@code weakref.WeakValueDictionary}. */
  public static void weakValueDictionary() {
    // tag::weak-value-dictionary[]
    WeakValueDictionary<String, Image> cache = Weakref.weakValueDictionary();
    Image image = new Image("cat.png");
    cache.put("cat", image);
    System.out.println(cache.get("cat"));   // Image(cat.png)
    image = null;
    Weakref.collect();
    System.out.println(cache.get("cat"));   // null: the mapping went with its value
    // end::weak-value-dictionary[]
  }

  /** Python's {@code weakref.WeakSet}. */
  public static void weakSet() {
    // tag::weak-set[]
    WeakSet<Listener> listeners = Weakref.weakSet();
    Screen screen = new Screen("main");
    listeners.add(screen);
    listeners.forEach(l -> l.onEvent("resize"));  // main got resize
    screen = null;
    Weakref.collect();
    System.out.println(listeners.isEmpty());      // true
    // end::weak-set[]
  }

  /** Python's {@code weakref.WeakMethod(obj.method)}. */
  public static void weakMethod() {
    // tag::weak-method[]
    Counter counter = new Counter();
    WeakMethod<Runnable> wm = Weakref.weakMethod(counter, c -> c::increment);
    Runnable increment = wm.get();              // counter::increment, bound afresh
    increment.run();
    increment = null;                           // a bound method holds its receiver
    System.out.println(counter.count);          // 1
    counter = null;
    Weakref.collect();
    System.out.println(wm.get());               // null
    // end::weak-method[]
  }

  /** Python's {@code weakref.finalize(obj, func, *args)}. */
  public static void finalizeArgs() {
    // tag::finalize-args[]
    Image image = new Image("tmp.png");
    Finalizer<Integer> f = Weakref.finalize(image, a -> (int) a[0] + (int) a[1], 1, 2);
    System.out.println(f.call());      // 3: called now, on this thread
    System.out.println(f.call());      // null: it is dead
    // end::finalize-args[]
  }

  /** Python's {@code weakref.finalize(obj, print, msg)}. */
  public static void finalizeSnippet() {
    // tag::finalize[]
    Image image = new Image("tmp.png");
    Finalizer<Void> f = Weakref.finalize(image, System.out::println, "tmp.png deleted");
    System.out.println(f.isAlive());  // true
    image = null;
    Weakref.collect();                // tmp.png deleted
    System.out.println(f.isAlive());  // false: it ran, and runs at most once
    // end::finalize[]
  }
}
