package dev.weakref.engine;

import dev.weakref.WeakRef;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's main for {@code EngineThreadLoaderTest}: code of a throwaway class loader starts
 * the engine for the first time, from a "deploy" thread whose context class loader is that loader
 * and which holds an inheritable thread-local pointing into it; then the loader is dropped, and
 * the child prints whether {@link Reclaimer#collect()} lets it be collected.
 *
 * <p>The "application" is this very class, defined a second time by {@link ThrowawayLoader} from
 * the test-classes directory, while {@code dev.weakref} still comes from the application class
 * loader; the copy's {@link #run} is the application code. Output: one {@code key: value} line per
 * fact, which the test checks.
 */
public final class EngineThreadLoaderChild implements Runnable {
  static final String NAME = "dev.weakref.engine.EngineThreadLoaderChild";
  static final String ENGINE = "weakref-reclaimer";

  /** The application's inheritable thread-local; the copy sets it to a value of its own class. */
  static final InheritableThreadLocal<Object> LOCAL = new InheritableThreadLocal<>();

  /** For {@link ThrowawayLoader} to instantiate the copy. */
  public EngineThreadLoaderChild() {}

  public static void main(String[] args) throws Exception {
    WeakReference<ClassLoader> loader = deployAndUndeploy();
    int collects = 0;
    while (!loader.refersTo(null) && collects < 10) {
      Reclaimer.collect(); // the engine's own collect: it waits for the collector, nothing sleeps
      collects++;
    }
    System.out.println("throwaway loader collected: " + loader.refersTo(null)
        + " (after " + collects + " collect())");
    System.out.println("engine threads after: " + engineThreads());
  }

  /** Runs the application copy on a deploy thread, then drops every strong reference to it. */
  private static WeakReference<ClassLoader> deployAndUndeploy() throws Exception {
    URL classes = EngineThreadLoaderChild.class.getProtectionDomain().getCodeSource().getLocation();
    try (ThrowawayLoader loader = new ThrowawayLoader(classes)) {
      Runnable app = (Runnable) loader.loadClass(NAME).getConstructor().newInstance();
      if (app.getClass() == EngineThreadLoaderChild.class) {
        throw new AssertionError("the throwaway loader did not define its own copy");
      }
      Thread deploy = new Thread(app, "deploy");
      deploy.setContextClassLoader(loader);
      deploy.start();
      deploy.join();
      return new WeakReference<>(loader);
    }
  }

  /** The application code: runs in the throwaway loader's copy, on the deploy thread. */
  @Override
  public void run() {
    LOCAL.set(this); // an inheritable value whose class is the throwaway loader's
    Thread self = Thread.currentThread();
    System.out.println("application loader: " + loaderName(getClass().getClassLoader()));
    System.out.println("library loader: " + loaderName(WeakRef.class.getClassLoader()));
    System.out.println("deploy thread: " + describe(self) + ", local " + localState());
    System.out.println("engine thread before first use: "
        + (engineThreads().isEmpty() ? "none" : "running"));
    String[] seen = new String[1];
    Object referent = new Object();
    // The first use of the engine: WeakRef's registration initializes Reclaimer, which starts the
    // thread from here, with this copy's frames on the stack.
    WeakRef<Object> ref = new WeakRef<>(referent,
        r -> seen[0] = describe(Thread.currentThread()) + ", local " + localState());
    referent = null;
    Reclaimer.collect();
    System.out.println("callback ran on: " + seen[0]);
    Reference.reachabilityFence(ref);
  }

  /** The live threads named like the engine's, described. */
  private static List<String> engineThreads() {
    List<String> engines = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(ENGINE)) {
        engines.add(describe(t));
      }
    }
    return engines;
  }

  private static String localState() {
    return LOCAL.get() == null ? "unset" : "set";
  }

  static String describe(Thread t) {
    return t.getName() + ", " + (t.isDaemon() ? "daemon" : "not daemon")
        + ", context loader " + loaderName(t.getContextClassLoader());
  }

  private static String loaderName(ClassLoader l) {
    return l == null ? "null" : String.valueOf(l.getName());
  }

  /** Defines only {@link EngineThreadLoaderChild} from {@code classes}; the rest it delegates. */
  static final class ThrowawayLoader extends URLClassLoader {
    ThrowawayLoader(URL classes) {
      super("throwaway", new URL[] {classes}, ClassLoader.getSystemClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(NAME)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        return c != null ? c : findClass(name);
      }
    }
  }
}
