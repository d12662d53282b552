package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.UnraisableCapture;
import dev.weakref.throwaway.Pinger;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Ported from CPython's proxy tests in {@code ReferencesTestCase}: the semantics of {@code proxy}. */
final class WeakProxyTest {

  /** An interface with a default method, as a Python class has inherited methods. */
  public interface Greeter {
    String greet(String name);

    default String greetTwice(String name) {
      return greet(name) + " " + greet(name);
    }

    default String style() {
      return "plain";
    }

    void fail(String message) throws IOException;
  }

  /** A second interface, so that "every interface" differs from "this one". */
  public interface Named {
    String name();
  }

  /** A functional interface of our own. */
  @FunctionalInterface
  public interface Action {
    int act();
  }

  /** Equal by name, like a Python object with {@code __eq__}. */
  static final class English implements Greeter, Named {
    final String name;

    English(String name) {
      this.name = name;
    }

    @Override
    public String greet(String who) {
      return "hello " + who;
    }

    @Override
    public String style() {
      return "english " + name;
    }

    @Override
    public void fail(String message) throws IOException {
      if (message.equals("runtime")) {
        throw new IllegalStateException(message);
      }
      throw new IOException(message);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof English e && e.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  static final class NoInterface {}

  static final class Version implements Comparable<Version> {
    @Override
    public int compareTo(Version o) {
      return 0;
    }
  }

  static final class Counter implements Runnable {
    int runs;

    @Override
    public void run() {
      runs++;
    }
  }

  /* ---- Calls ---- */

  @Test
  void proxy_passesCallsThroughWhileReferentLives() throws Exception {
    English e = new English("e");
    Greeter g = WeakProxy.of(e, Greeter.class);
    assertEquals("hello bob", g.greet("bob"));
    Object all = WeakProxy.of(e);
    assertEquals("e", ((Named) all).name());
    assertEquals("hello x", ((Greeter) all).greet("x"));
    assertInstanceOf(WeakProxy.class, g);
    assertFalse(g instanceof CallableWeakProxy);
    assertTrue(Proxy.isProxyClass(g.getClass()));
  }

  @Test
  void proxy_allInterfacesIncludeThoseOfSuperclasses() {
    List<String> list = new AbstractList<>() {
      @Override
      public String get(int index) {
        return "x" + index;
      }

      @Override
      public int size() {
        return 3;
      }
    };
    Object p = WeakProxy.of(list);
    assertInstanceOf(List.class, p);
    @SuppressWarnings("unchecked")
    List<String> proxied = (List<String>) p;
    assertEquals(3, proxied.size());
    assertEquals("x2", proxied.get(2));
    assertEquals(List.of("x0", "x1", "x2"), new ArrayList<>(proxied));
    ArrayList<String> arrayList = new ArrayList<>(List.of("a"));
    assertInstanceOf(RandomAccess.class, WeakProxy.of(arrayList));
  }

  @Test
  void proxy_defaultMethodsRunOnTheReferent() {
    English e = new English("e");
    Greeter g = WeakProxy.of(e, Greeter.class);
    assertEquals("hello a hello a", g.greetTwice("a")); // the interface's default, not overridden
    assertEquals("english e", g.style()); // the referent's override of a default
  }

  @Test
  void proxy_rethrowsWhatTheReferentThrows_unwrapped() {
    Greeter g = WeakProxy.of(new English("e"), Greeter.class);
    // g holds the English only weakly: keep it alive through a strong local
    English e = new English("f");
    Greeter alive = WeakProxy.of(e, Greeter.class);
    IOException io = assertThrows(IOException.class, () -> alive.fail("checked"));
    assertEquals("checked", io.getMessage());
    IllegalStateException ise = assertThrows(IllegalStateException.class, () -> alive.fail("runtime"));
    assertEquals("runtime", ise.getMessage());
    assertNotSame(g, alive);
  }

  @Test
  void proxy_throwsReferenceErrorAfterReferentIsReclaimed() {
    Greeter g = proxyToGarbage();
    Reclaimer.collect();
    ReferenceError error = assertThrows(ReferenceError.class, () -> g.greet("x"));
    assertEquals("weakly-referenced object no longer exists", error.getMessage());
    assertThrows(ReferenceError.class, () -> g.greetTwice("x")); // default methods too
    assertInstanceOf(RuntimeException.class, error);
  }

  @Test
  void proxy_doesNotKeepReferentAlive() {
    List<Object> keep = new ArrayList<>();
    WeakRef<English> wr = proxiesToGarbage(keep);
    Reclaimer.collect();
    assertEquals(null, wr.get());
    assertEquals(3, keep.size());
  }

  private static Greeter proxyToGarbage() {
    return WeakProxy.of(new English("gone"), Greeter.class);
  }

  private static WeakRef<English> proxiesToGarbage(List<Object> keep) {
    English e = new English("gone");
    keep.add(WeakProxy.of(e));
    keep.add(WeakProxy.of(e, Greeter.class));
    keep.add(WeakProxy.of(e, Named.class, p -> {}));
    return new WeakRef<>(e);
  }

  /* ---- Object methods ---- */

  @Test
  void hashCode_alwaysThrows_aliveOrDead() {
    English e = new English("e");
    Greeter g = WeakProxy.of(e, Greeter.class);
    UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class, g::hashCode);
    assertEquals("unhashable type: 'weakproxy'", ex.getMessage());
    Greeter dead = proxyToGarbage();
    Reclaimer.collect();
    assertThrows(UnsupportedOperationException.class, dead::hashCode);
  }

  @Test
  void equals_comparesReferents_unwrappingAnotherProxy() {
    English e = new English("same");
    English twin = new English("same");
    Greeter g = WeakProxy.of(e, Greeter.class);
    Object all = WeakProxy.of(twin);
    assertTrue(g.equals(e));
    assertTrue(g.equals(twin));
    assertTrue(g.equals(all)); // both sides unwrapped, as Python's proxy == proxy
    assertTrue(all.equals(g));
    assertFalse(g.equals(new English("other")));
    assertFalse(g.equals(null));
    assertTrue(g.equals(g));
    Comparator<String> natural = Comparator.naturalOrder();
    @SuppressWarnings("unchecked")
    Comparator<String> cp = WeakProxy.of(natural, Comparator.class);
    assertTrue(cp.equals(natural)); // Comparator redeclares equals: still the Object method
    assertEquals(-1, Integer.signum(cp.compare("a", "b")));
  }

  @Test
  void equals_onceEitherReferentIsDead_isIdentity_andNeverThrows() {
    Greeter dead = proxyToGarbage();
    English live = new English("gone"); // equal to the dead one's referent while that lived
    Greeter liveProxy = WeakProxy.of(live, Greeter.class);
    Reclaimer.collect();
    assertTrue(dead.equals(dead));
    assertFalse(dead.equals(live));
    assertFalse(liveProxy.equals(dead));
    assertFalse(dead.equals(liveProxy));
    // What a callback does to unsubscribe: remove itself from a list holding others first.
    List<Object> listeners = new ArrayList<>(List.of(liveProxy, new English("x"), dead));
    assertTrue(listeners.remove(dead));
    assertEquals(2, listeners.size());
  }

  @Test
  void toString_namesReferentWhileAlive_andDeadAfter_neverThrowing() {
    English e = new English("e");
    Greeter g = WeakProxy.of(e, Greeter.class);
    String hex = Integer.toHexString(System.identityHashCode(g));
    assertEquals("<weakproxy at 0x" + hex + "; to '" + English.class.getName() + "' at 0x"
        + Integer.toHexString(System.identityHashCode(e)) + ">", g.toString());
    Greeter dead = proxyToGarbage();
    Reclaimer.collect();
    assertEquals("<weakproxy at 0x" + Integer.toHexString(System.identityHashCode(dead)) + "; dead>",
        dead.toString());
    assertEquals("dead: " + dead, "dead: " + String.valueOf(dead));
  }

  /* ---- Callbacks, sharing, counting ---- */

  @Test
  void callback_receivesTheProxy_onceAfterReclamation() {
    List<Object> calls = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    Greeter g = proxyToGarbage(p -> {
      calls.add(p);
      threads.add(Thread.currentThread().getName());
    });
    Reclaimer.collect();
    assertEquals(1, calls.size());
    assertSame(g, calls.get(0));
    assertEquals(List.of("weakref-reclaimer"), threads);
    Reclaimer.collect();
    assertEquals(1, calls.size());
  }

  private static Greeter proxyToGarbage(java.util.function.Consumer<Greeter> cb) {
    return WeakProxy.of(new English("cb"), Greeter.class, cb);
  }

  @Test
  void callbackLessProxies_areSharedPerReferentAndInterfaceSet() {
    English e = new English("e");
    Greeter g = WeakProxy.of(e, Greeter.class);
    assertSame(g, WeakProxy.of(e, Greeter.class));
    assertSame(g, WeakProxy.of(e, Greeter.class, null));
    Object all = WeakProxy.of(e);
    assertSame(all, WeakProxy.of(e));
    assertNotSame(all, g); // {Greeter, Named} is another interface set than {Greeter}
    Named n = WeakProxy.of(e, Named.class);
    assertNotSame(n, g);
    assertNotSame(g, WeakProxy.of(e, Greeter.class, p -> {}));
    assertNotSame(g, WeakProxy.of(new English("e"), Greeter.class));
    // A class with one interface: proxy(obj) and proxy(obj, thatInterface) are the same set.
    Counter c = new Counter();
    assertSame(WeakProxy.of(c), WeakProxy.of(c, Runnable.class));
  }

  @Test
  void sharedProxy_isTheSameForConcurrentCallers() throws Exception {
    English e = new English("e");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Greeter>> futures = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          return WeakProxy.of(e, Greeter.class);
        }));
      }
      start.countDown();
      Greeter first = futures.get(0).get();
      for (java.util.concurrent.Future<Greeter> f : futures) {
        assertSame(first, f.get());
      }
      assertEquals(1, Reclaimer.weakRefCount(e));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void proxies_countInWeakRefCount_andAppearInWeakRefs() {
    English e = new English("e");
    WeakRef<English> wr = WeakRef.of(e);
    Greeter g = WeakProxy.of(e, Greeter.class);
    Object all = WeakProxy.of(e);
    Named n = WeakProxy.of(e, Named.class, p -> {});
    assertEquals(4, Reclaimer.weakRefCount(e));
    List<Object> refs = Reclaimer.weakRefs(e);
    assertEquals(4, refs.size());
    assertTrue(refs.stream().anyMatch(r -> r == g));
    assertTrue(refs.stream().anyMatch(r -> r == all));
    assertTrue(refs.stream().anyMatch(r -> r == n));
    assertTrue(refs.stream().anyMatch(r -> r == wr));
  }

  @Test
  void callbacks_ofProxiesAndRefs_runNewestFirstAcrossBothKinds() {
    List<String> order = new CopyOnWriteArrayList<>();
    List<Object> handles = mixedHandlesToGarbage(order);
    Reclaimer.collect();
    assertEquals(List.of("proxy3", "ref3", "proxy2", "ref2", "proxy1", "ref1"), order);
    assertEquals(6, handles.size());
  }

  private static List<Object> mixedHandlesToGarbage(List<String> order) {
    English e = new English("mixed");
    List<Object> handles = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String n = String.valueOf(i);
      handles.add(new WeakRef<>(e, r -> order.add("ref" + n)));
      handles.add(WeakProxy.of(e, Greeter.class, p -> order.add("proxy" + n)));
    }
    return handles;
  }

  @Test
  void callback_thatThrows_goesToUnraisableHook_andOthersStillRun() {
    List<String> ran = new CopyOnWriteArrayList<>();
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      List<Throwable> errors = unraisable.errors();
      List<Object> keep = throwingProxies(ran);
      Reclaimer.collect();
      assertEquals(List.of("ok"), ran);
      assertEquals(1, errors.size());
      assertEquals("boom", errors.get(0).getMessage());
      assertEquals(2, keep.size());
    }
  }

  private static List<Object> throwingProxies(List<String> ran) {
    English e = new English("throws");
    return List.of(WeakProxy.of(e, Greeter.class, p -> ran.add("ok")),
        WeakProxy.of(e, Greeter.class, p -> {
          throw new IllegalStateException("boom");
        }));
  }

  /* ---- Callable proxies ---- */

  @Test
  void proxy_ofFunctionalInterfaceInstance_isCallable() throws Exception {
    Runnable r = new Counter();
    Object p = WeakProxy.of(r);
    assertInstanceOf(CallableWeakProxy.class, p);
    ((Runnable) p).run();
    assertEquals(1, ((Counter) r).runs);

    Supplier<String> s = () -> "supplied";
    Supplier<?> sp = WeakProxy.of(s, Supplier.class);
    assertInstanceOf(CallableWeakProxy.class, sp);
    assertEquals("supplied", sp.get());

    Callable<String> call = () -> "called";
    assertEquals("called", ((Callable<?>) WeakProxy.of(call)).call());

    Action a = () -> 42;
    Action ap = WeakProxy.of(a, Action.class);
    assertInstanceOf(CallableWeakProxy.class, ap);
    assertEquals(42, ap.act());
  }

  @Test
  void proxy_ofNonFunctionalObject_isNotCallable() {
    Version v = new Version(); // Comparable has one method but no @FunctionalInterface
    Object p = WeakProxy.of(v);
    assertInstanceOf(WeakProxy.class, p);
    assertFalse(p instanceof CallableWeakProxy);
    assertFalse(WeakProxy.of(new English("e"), Greeter.class) instanceof CallableWeakProxy);
  }

  @Test
  void proxy_callableReferent_isCallableProxy_whateverInterfaceIsNamed() {
    final class Both implements Runnable, Named {
      @Override
      public void run() {}

      @Override
      public String name() {
        return "both";
      }
    }
    Both b = new Both();
    Named n = WeakProxy.of(b, Named.class);
    assertInstanceOf(CallableWeakProxy.class, n); // Python: CallableProxyType iff the referent is callable
    assertEquals("both", n.name());
  }

  /* ---- Bad input ---- */

  @Test
  void proxy_ofObjectWithoutInterface_isRefusedWithAMessageSayingSo() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WeakProxy.of(new NoInterface()));
    assertTrue(e.getMessage().contains(NoInterface.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("implements no interface"), e.getMessage());
  }

  @Test
  void proxy_withInterfaceNotImplemented_orNotAnInterface_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WeakProxy.of(new Version(), Runnable.class));
    assertTrue(e.getMessage().contains("does not implement java.lang.Runnable"), e.getMessage());
    IllegalArgumentException notIface = assertThrows(IllegalArgumentException.class,
        () -> WeakProxy.of(new Version(), Object.class));
    assertTrue(notIface.getMessage().contains("is not an interface"), notIface.getMessage());
  }

  @Test
  void proxy_ofNull_orValueBased_orProxy_isRefused() {
    assertThrows(NullPointerException.class, () -> WeakProxy.of(null));
    assertThrows(NullPointerException.class, () -> WeakProxy.of(new Counter(), null));
    IllegalArgumentException vb = assertThrows(IllegalArgumentException.class,
        () -> WeakProxy.of(Integer.valueOf(7), Comparable.class));
    assertEquals("cannot create weak reference to value-based java.lang.Integer", vb.getMessage());
    Counter c = new Counter();
    Object p = WeakProxy.of(c);
    IllegalArgumentException pp = assertThrows(IllegalArgumentException.class, () -> WeakProxy.of(p));
    assertEquals("cannot create weak reference to 'weakproxy' object", pp.getMessage());
  }

  /* ---- Class loaders ---- */

  @Test
  void proxy_doesNotPinAThrowawayClassLoader() throws Exception {
    WeakReference<ClassLoader> loader = useProxiesInThrowawayLoader();
    for (int i = 0; i < 10 && !loader.refersTo(null); i++) {
      Reclaimer.collect();
    }
    assertTrue(loader.refersTo(null), "the throwaway class loader is still reachable");
  }

  private static WeakReference<ClassLoader> useProxiesInThrowawayLoader() throws Exception {
    ClassLoader loader = new ChildFirstLoader(WeakProxyTest.class.getClassLoader());
    Class<?> iface = loader.loadClass("dev.weakref.throwaway.Pinger");
    Class<?> impl = loader.loadClass("dev.weakref.throwaway.PingerImpl");
    assertNotSame(Pinger.class, iface);
    Object referent = impl.getConstructor().newInstance();
    Object all = WeakProxy.of(referent);
    @SuppressWarnings("unchecked")
    Class<Object> type = (Class<Object>) iface;
    Object typed = WeakProxy.of(referent, type);
    Object withCallback = WeakProxy.of(referent, type, p -> {});
    assertSame(all, typed);
    for (Object p : List.of(all, withCallback)) {
      assertEquals("pong", iface.getMethod("ping").invoke(p));
      assertTrue(p.toString().contains("PingerImpl"));
      assertTrue(p.equals(referent));
    }
    assertEquals(2, Reclaimer.weakRefCount(referent)); // the shared proxy and the one with a callback
    return new WeakReference<>(loader);
  }

  /** Loads the classes of {@code dev.weakref.throwaway} itself; everything else from its parent. */
  static final class ChildFirstLoader extends ClassLoader {
    ChildFirstLoader(ClassLoader parent) {
      super("throwaway", parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("dev.weakref.throwaway.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          String resource = name.replace('.', '/') + ".class";
          try (InputStream in = Objects.requireNonNull(getParent().getResourceAsStream(resource))) {
            byte[] bytes = in.readAllBytes();
            c = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return c;
      }
    }
  }

  @Test
  void proxy_overANonPublicInterfaceOfAnotherPackage_passesCallsThrough() {
    Object keeper = dev.weakref.throwaway.Secrets.keeper();
    Object p = WeakProxy.of(keeper);
    assertEquals("hidden", dev.weakref.throwaway.Secrets.reveal(p));
    assertEquals("hidden", dev.weakref.throwaway.Secrets.reveal(p)); // now through the fast path
  }

  @Test
  void proxyTypes_areTheMarkerInterfaces() {
    assertTrue(WeakProxy.class.isAssignableFrom(CallableWeakProxy.class));
    assertNotEquals(WeakProxy.class, CallableWeakProxy.class);
  }
}
