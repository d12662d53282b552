package dev.weakref.engine;

import dev.weakref.Finalizer;
import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A child JVM's main for {@code RedeployTest}: a web application redeployed. The library's classes
 * (core's build output, as a jar in {@code WEB-INF/lib} would be) and the application (this very
 * class) are defined by a throwaway child-first {@link WebAppLoader}, though the child's own class
 * path has them too, as a container's would not. The application uses refs with callbacks,
 * finalizers (with {@code atExit}), the three containers, proxies and a listener through that
 * loader, then drops everything; the child prints whether the loader is collected.
 *
 * <p>The loader is collected only if nothing of the JVM's own pins it: not the engine thread (it
 * must have ended, having nothing left to do) and not the {@code weakref-atexit} shutdown hook (it
 * must have been removed, no finalizer being alive). Output: one {@code key: value} line per fact.
 */
public final class RedeployChild implements Runnable {
  /** For {@link WebAppLoader} to instantiate the copy. */
  public RedeployChild() {}

  public static void main(String[] args) throws Exception {
    WeakReference<ClassLoader> loader = deployAndUndeploy();
    int gcs = 0;
    // Not a test's sleep for the GC: the engine thread needs two collections (one shows it the
    // table empty, the next clears its token) and a moment to end, and the watchdog thread a
    // quiet second or two; bounded (10 s of pauses).
    while (!loader.refersTo(null) && gcs < 1000) {
      System.gc();
      Thread.sleep(10); // sleep-ok: lets the engine thread end between collections, bounded
      gcs++;
    }
    System.out.println("webapp loader collected: " + loader.refersTo(null));
    System.out.println("System.gc() rounds: " + gcs);
    System.out.println("engine threads after: " + engineThreads());
    System.out.println("hooks: " + hooks());
    restarts();
  }

  /**
   * With the library of the child's own class path now: three times, a ref's callback, a finalizer
   * and a dictionary's reclaim listener run through a thread started on demand, which then ends
   * again once they are gone.
   */
  private static void restarts() throws InterruptedException {
    int ran = 0;
    int stops = 0;
    for (int i = 0; i < 3; i++) {
      int before = ran();
      WeakKeyDictionary<Object, String> dict = new WeakKeyDictionary<>();
      dict.onReclaim(v -> ENTRIES.incrementAndGet());
      WeakRef<Object> ref = registerAndDrop(dict);
      Reclaimer.collect();
      ran += ran() - before;
      ref = null; // the engine has nothing left to do
      dict = null;
      for (int gcs = 0; !engineThreads().isEmpty() && gcs < 1000; gcs++) {
        System.gc();
        Thread.sleep(10); // sleep-ok: lets the engine thread end between collections, bounded
      }
      if (engineThreads().isEmpty()) {
        stops++;
      }
    }
    System.out.println("restarts: ran " + ran + " of 9, stopped " + stops + " of 3");
    race();
  }

  /**
   * Registrations racing the engine thread's end: after each round's work is done, one or two
   * collections let the thread unpin its token and see it cleared, while this thread registers
   * the next round at once, so that a registration finds the thread ending, deciding to end, or
   * ended. Every callback, finalizer and listener must run once all the same.
   */
  private static void race() {
    WeakKeyDictionary<Object, String> dict = new WeakKeyDictionary<>();
    dict.onReclaim(v -> ENTRIES.incrementAndGet());
    int before = ran();
    int rounds = 100;
    int ended = 0;
    for (int i = 0; i < rounds; i++) {
      if (!threadNamed("weakref-reclaimer")) {
        ended++;
      }
      WeakRef<Object> ref = registerAndDrop(dict);
      Reclaimer.collect();
      java.lang.ref.Reference.reachabilityFence(ref);
      System.gc(); // the engine unpins after its batch; a second collection clears its token
      if (i % 2 == 0) {
        System.gc();
      }
    }
    Reclaimer.collect();
    System.out.println("race: ran " + (ran() - before) + " of " + 3 * rounds);
    System.out.println("race rounds that found the engine thread ended: " + ended);
  }

  private static WeakRef<Object> registerAndDrop(WeakKeyDictionary<Object, String> dict) {
    Finalizer.of(new Object(), RedeployChild::countFinalizer);
    dict.put(new Object(), "dropped");
    return new WeakRef<>(new Object(), r -> CALLBACKS.incrementAndGet());
  }

  private static int ran() {
    return CALLBACKS.get() + FINALIZERS.get() + ENTRIES.get();
  }

  static String hooks() {
    try {
      Class<?> c = Class.forName("java.lang.ApplicationShutdownHooks");
      java.lang.reflect.Field f = c.getDeclaredField("hooks");
      f.setAccessible(true);
      return String.valueOf(f.get(null));
    } catch (Throwable t) {
      return "unknown " + t;
    }
  }

  /** Deploys the application copy, runs it, then drops every strong reference to it. */
  private static WeakReference<ClassLoader> deployAndUndeploy() throws Exception {
    URL library = WeakRef.class.getProtectionDomain().getCodeSource().getLocation();
    URL app = RedeployChild.class.getProtectionDomain().getCodeSource().getLocation();
    try (WebAppLoader loader = new WebAppLoader(new URL[] {library, app})) {
      Runnable copy = (Runnable) loader.loadClass(RedeployChild.class.getName())
          .getConstructor().newInstance();
      if (copy.getClass() == RedeployChild.class
          || copy.getClass().getClassLoader() != loader) {
        throw new AssertionError("the web application loader did not define its own copy");
      }
      Thread request = new Thread(copy, "request");
      request.setContextClassLoader(loader);
      request.start();
      request.join();
      return new WeakReference<>(loader);
    }
  }

  static final AtomicInteger CALLBACKS = new AtomicInteger();
  static final AtomicInteger FINALIZERS = new AtomicInteger();
  static final AtomicInteger ENTRIES = new AtomicInteger();

  /** The application: runs in the web application loader's copy, with its copy of the library. */
  @Override
  public void run() {
    System.out.println("library loader: " + WeakRef.class.getClassLoader().getName());
    List<Object> keep = new ArrayList<>();
    use(keep);
    Reclaimer.collect(); // the referents died in use(): their callbacks and finalizer run
    System.out.println("callbacks run: " + CALLBACKS.get());
    System.out.println("finalizers run: " + FINALIZERS.get());
    System.out.println("engine sound: " + Reclaimer.isAlive());
    keep.clear(); // undeploy: the application drops everything
  }

  private static void countFinalizer() {
    FINALIZERS.incrementAndGet();
  }

  /** Registers one of each kind; what must survive a collect() goes in {@code keep}. */
  private static void use(List<Object> keep) {
    ReclaimRegistration listening = Reclaimer.addListener(e -> { });
    Object a = new Object();
    WeakRef<Object> ref = new WeakRef<>(a, r -> CALLBACKS.incrementAndGet());
    Object b = new Object();
    Finalizer<Void> f = Finalizer.of(b, RedeployChild::countFinalizer);
    if (!f.atExit()) {
      throw new AssertionError("a finalizer runs at exit by default");
    }
    Object c = new Object();
    Finalizer<Void> detached = Finalizer.of(c, RedeployChild::countFinalizer);
    detached.detach();
    WeakKeyDictionary<Object, String> keys = new WeakKeyDictionary<>();
    WeakValueDictionary<String, Object> values = new WeakValueDictionary<>();
    WeakSet<Object> set = new WeakSet<>();
    Object d = new Object();
    keys.put(d, "d");
    values.put("d", d);
    set.add(d);
    Supplier<String> target = () -> "proxied";
    @SuppressWarnings("unchecked")
    Supplier<String> proxy = WeakProxy.of(target, Supplier.class);
    if (!"proxied".equals(proxy.get())) {
      throw new AssertionError("the proxy does not forward");
    }
    java.util.List<Object> list = new ArrayList<>(List.of("x"));
    @SuppressWarnings("unchecked")
    java.util.List<Object> listProxy = (java.util.List<Object>) WeakProxy.of(list);
    if (listProxy.size() != 1) {
      throw new AssertionError("the proxy of a JDK class does not forward");
    }
    Reclaimer.collect();
    keep.add(listProxy);
    keep.add(ref);
    keep.add(f);
    keep.add(keys);
    keep.add(values);
    keep.add(set);
    keep.add(proxy);
    keep.add(detached);
    listening.close();
    // a, b, c, d and the proxy's target die here; so do the containers' entries.
    java.lang.ref.Reference.reachabilityFence(a);
  }

  private static boolean threadNamed(String name) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(name) && t.isAlive()) {
        return true;
      }
    }
    return false;
  }

  /** The live threads named like the engine's ({@code weakref-reclaimer}, {@code weakref-watchdog}). */
  private static List<String> engineThreads() {
    List<String> engines = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("weakref-reclaimer") || t.getName().equals("weakref-watchdog")) {
        engines.add(t.getName() + (t.isAlive() ? " alive" : ""));
      }
    }
    return engines;
  }

  /**
   * Child-first, as a servlet container's web application loader: defines every class it finds in
   * its URLs itself, the library's included, and asks its parent only for the rest.
   */
  static final class WebAppLoader extends URLClassLoader {
    WebAppLoader(URL[] urls) {
      super("webapp", urls, ClassLoader.getSystemClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("dev.weakref.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try {
            c = findClass(name);
          } catch (ClassNotFoundException notOurs) {
            return super.loadClass(name, resolve);
          }
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }
  }
}
