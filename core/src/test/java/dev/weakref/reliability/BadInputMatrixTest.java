package dev.weakref.reliability;

import static dev.weakref.testing.BadInputs.bad;
import static dev.weakref.testing.BadInputs.entryPoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakMethod;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.engine.ReclaimStats;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-input matrix of the Java API (issue 17, item 7): every public entry point, given
 * {@code null}, a value-based object, a wrong type through raw generics, a capturing callback or
 * finalizer, an object with no interface to proxy, a zero or negative timeout, throws an exception of
 * the documented type whose message names the problem, and changes nothing: the refs counted to the
 * objects involved, each container's contents and the engine's {@link Reclaimer#stats()} are
 * compared before and after.
 */
final class BadInputMatrixTest {

  /** A referent with an interface, so it can be proxied. */
  static final class Victim implements Runnable {
    @Override
    public void run() {}
  }

  /** A referent with no interface at all. */
  static final class Plain {}

  /** The objects the bad calls are made with, and what must not change. */
  static final class Fixture {
    final Victim obj = new Victim();
    final Plain plain = new Plain();
    final WeakKeyDictionary<Object, Object> keyDict = new WeakKeyDictionary<>();
    final WeakValueDictionary<Object, Object> valueDict = new WeakValueDictionary<>();
    final WeakSet<Object> set = new WeakSet<>();
    final WeakRef<Victim> existing = new WeakRef<>(obj);
    final Runnable proxy = WeakProxy.of(obj, Runnable.class);

    Fixture() {
      keyDict.put(obj, "v");
      valueDict.put("k", obj);
      set.add(obj);
    }

    /** What a refused call must leave as it was. */
    record State(int refsToObj, int refsToPlain, Map<Object, Object> keyDict,
        Map<Object, Object> valueDict, Set<Object> set, ReclaimStats stats) {}

    State state() {
      return new State(Reclaimer.weakRefCount(obj), Reclaimer.weakRefCount(plain),
          new HashMap<>(keyDict), new HashMap<>(valueDict), new HashSet<>(set), Reclaimer.stats());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @TestFactory
  List<DynamicNode> javaEntryPoints() {
    Reclaimer.collect(); // nothing earlier tests dropped is still to be processed
    Fixture f = new Fixture();
    Victim obj = f.obj;
    Consumer<WeakRef<Victim>> capturing = r -> obj.run();
    Consumer<Runnable> capturingProxyCallback = p -> obj.run();
    Runnable capturingRunnable = () -> obj.run();
    Callable<Object> capturingCallable = () -> obj;
    Function<Object[], Object> capturingFunction = a -> obj;
    Function<Victim, Runnable> capturingBinder = v -> obj::run;
    Function<Victim, Runnable> binder = v -> v::run;
    Consumer<WeakMethod<Runnable>> capturingMethodCallback = m -> obj.run();
    Map<Object, Object> withNullValue = new LinkedHashMap<>();
    withNullValue.put(new Victim(), "first");
    withNullValue.put(f.plain, null);
    Map<Object, Object> withValueBasedKey = new LinkedHashMap<>();
    withValueBasedKey.put(new Victim(), "first");
    withValueBasedKey.put(1, "int");
    List<Object> withNull = new ArrayList<>(List.of(new Victim()));
    withNull.add(null);
    ReclaimListener nullListener = null;
    return List.of(
        entryPoint("new WeakRef(obj[, callback])", f::state,
            bad("null", NullPointerException.class, "null", () -> new WeakRef<>(null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> new WeakRef<>(Integer.valueOf(1))),
            bad("Optional", IllegalArgumentException.class, "value-based java.util.Optional",
                () -> new WeakRef<>(Optional.of(obj))),
            bad("LocalDate", IllegalArgumentException.class, "value-based java.time.LocalDate",
                () -> new WeakRef<>(LocalDate.of(2026, 1, 1))),
            bad("List.of(...)", IllegalArgumentException.class, "value-based",
                () -> new WeakRef<>(List.of(obj))),
            bad("raw generics: a Long", IllegalArgumentException.class, "value-based java.lang.Long",
                () -> new WeakRef((Object) 1L, (Consumer) capturing)),
            bad("a callback that captured the referent", IllegalArgumentException.class,
                "callback|holds the referent", () -> new WeakRef<>(obj, capturing))),
        entryPoint("WeakRef.of(obj[, callback])", f::state,
            bad("null", NullPointerException.class, "null", () -> WeakRef.of(null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> WeakRef.of(1)),
            bad("a callback that captured the referent", IllegalArgumentException.class,
                "holds the referent", () -> WeakRef.of(obj, capturing))),
        entryPoint("WeakProxy.of(obj[, type[, callback]])", f::state,
            bad("null", NullPointerException.class, "null", () -> WeakProxy.of(null)),
            bad("null type", NullPointerException.class, "interface",
                () -> WeakProxy.of(obj, null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> WeakProxy.of(1, Comparable.class)),
            bad("an object with no interface", IllegalArgumentException.class, Plain.class.getName(),
                () -> WeakProxy.of(f.plain)),
            bad("raw generics: an interface it does not implement", IllegalArgumentException.class,
                "java.lang.Comparable", () -> WeakProxy.of(obj, (Class) Comparable.class)),
            bad("raw generics: a class, not an interface", IllegalArgumentException.class,
                Victim.class.getName(), () -> WeakProxy.of(obj, (Class) Victim.class)),
            bad("a proxy of a proxy", IllegalArgumentException.class, "weakproxy",
                () -> WeakProxy.of(f.proxy, Runnable.class)),
            bad("a callback that captured the referent", IllegalArgumentException.class,
                "holds the referent", () -> WeakProxy.of(obj, Runnable.class, capturingProxyCallback))),
        entryPoint("WeakMethod.of(receiver, binder[, callback])", f::state,
            bad("null receiver", NullPointerException.class, "null", () -> WeakMethod.of(null, binder)),
            bad("null binder", NullPointerException.class, "binder", () -> WeakMethod.of(obj, (Function<Victim, Runnable>) null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> WeakMethod.of(1, (Function) binder)),
            bad("a binder that captured the receiver", IllegalArgumentException.class, "binder",
                () -> WeakMethod.of(obj, capturingBinder)),
            bad("a callback that captured the receiver", IllegalArgumentException.class, "callback",
                () -> WeakMethod.of(obj, binder, capturingMethodCallback))),
        entryPoint("Finalizer.of(obj, func[, args])", f::state,
            bad("null obj", NullPointerException.class, "null", () -> Finalizer.of(null, () -> { })),
            bad("null Runnable", NullPointerException.class, "null",
                () -> Finalizer.of(obj, (Runnable) null)),
            bad("null Callable", NullPointerException.class, "null",
                () -> Finalizer.of(obj, (Callable<?>) null)),
            bad("null args array", NullPointerException.class, "args",
                () -> Finalizer.of(obj, a -> null, (Object[]) null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> Finalizer.of(1, () -> { })),
            bad("a Runnable that captured the object", IllegalArgumentException.class,
                "finalizer function|holds", () -> Finalizer.of(obj, capturingRunnable)),
            bad("a Callable that captured the object", IllegalArgumentException.class,
                "finalizer function", () -> Finalizer.of(obj, capturingCallable)),
            bad("a function that captured the object", IllegalArgumentException.class,
                "finalizer function", () -> Finalizer.of(obj, capturingFunction, "arg")),
            bad("the object as an argument", IllegalArgumentException.class, "argument 1",
                () -> Finalizer.of(obj, a -> null, "first", obj))),
        entryPoint("WeakKeyDictionary", f::state,
            bad("put(null, v)", NullPointerException.class, "null", () -> f.keyDict.put(null, "v")),
            bad("put(k, null)", NullPointerException.class, "null value", () -> f.keyDict.put(obj, null)),
            bad("put(Integer, v)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> f.keyDict.put(1, "v")),
            bad("raw generics: put(Long, v)", IllegalArgumentException.class,
                "value-based java.lang.Long", () -> ((Map) f.keyDict).put(2L, "v")),
            bad("putIfAbsent(k, null)", NullPointerException.class, "null value",
                () -> f.keyDict.putIfAbsent(new Victim(), null)),
            bad("replace(k, null)", NullPointerException.class, "null value",
                () -> f.keyDict.replace(obj, null)),
            bad("putAll with a null value after a good one", NullPointerException.class, "null value",
                () -> f.keyDict.putAll(withNullValue)),
            bad("putAll with a value-based key after a good one", IllegalArgumentException.class,
                "value-based", () -> f.keyDict.putAll(withValueBasedKey)),
            bad("union(null)", NullPointerException.class, "null", () -> f.keyDict.union(null)),
            bad("keySet().add", UnsupportedOperationException.class, "",
                () -> f.keyDict.keySet().add(new Victim())),
            bad("entry.setValue(null)", NullPointerException.class, "null value",
                () -> f.keyDict.entrySet().iterator().next().setValue(null)),
            bad("onReclaim(null)", NullPointerException.class, "listener",
                () -> f.keyDict.onReclaim(null))),
        entryPoint("WeakValueDictionary", f::state,
            bad("put(null, v)", NullPointerException.class, "null key", () -> f.valueDict.put(null, obj)),
            bad("put(k, null)", NullPointerException.class, "null", () -> f.valueDict.put("k2", null)),
            bad("put(k, Integer)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> f.valueDict.put("k2", 1)),
            bad("raw generics: put(k, LocalDate)", IllegalArgumentException.class,
                "value-based java.time.LocalDate", () -> ((Map) f.valueDict).put("k2", LocalDate.of(2026, 1, 1))),
            bad("putAll with a null value after a good one", NullPointerException.class, "null",
                () -> f.valueDict.putAll(withNullValue)),
            bad("values().add", UnsupportedOperationException.class, "",
                () -> f.valueDict.values().add(obj)),
            bad("entry.setValue(Integer)", IllegalArgumentException.class, "value-based",
                () -> f.valueDict.entrySet().iterator().next().setValue(1)),
            bad("onReclaim(null)", NullPointerException.class, "listener",
                () -> f.valueDict.onReclaim(null))),
        entryPoint("WeakSet", f::state,
            bad("add(null)", NullPointerException.class, "null", () -> f.set.add(null)),
            bad("add(Integer)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> f.set.add(1)),
            bad("raw generics: add(Optional)", IllegalArgumentException.class,
                "value-based java.util.Optional", () -> ((Collection) f.set).add(Optional.empty())),
            bad("addAll with a null after a good one", NullPointerException.class, "null",
                () -> f.set.addAll(withNull)),
            bad("union(null)", NullPointerException.class, "null", () -> f.set.union(null)),
            bad("onReclaim(null)", NullPointerException.class, "listener", () -> f.set.onReclaim(null))),
        entryPoint("Reclaimer", f::state,
            bad("collect(null)", NullPointerException.class, "timeout", () -> Reclaimer.collect(null)),
            bad("collect(Duration.ZERO)", IllegalArgumentException.class, "timeout|PT0S",
                () -> Reclaimer.collect(Duration.ZERO)),
            bad("collect(negative)", IllegalArgumentException.class, "timeout|PT-1S",
                () -> Reclaimer.collect(Duration.ofSeconds(-1))),
            bad("addListener(null)", NullPointerException.class, "listener",
                () -> Reclaimer.addListener(nullListener))));
  }

  /** {@code setUnraisableHook(null)} is no error: it restores the default hook, as documented. */
  @Test
  void setUnraisableHookNull_restoresTheDefault() {
    UnraisableHook original = Reclaimer.unraisableHook();
    UnraisableHook mine = (e, s) -> { };
    try {
      Reclaimer.setUnraisableHook(mine);
      assertSame(mine, Reclaimer.setUnraisableHook(null));
      assertNotNull(Reclaimer.unraisableHook());
      assertTrue(Reclaimer.unraisableHook() != mine);
    } finally {
      Reclaimer.setUnraisableHook(original);
    }
  }

  /**
   * {@code ReclaimRegistration.close()} twice is no error and changes nothing more than the first:
   * another registration of the same listener still hears of every reclaim.
   */
  @Test
  void closeTwice_removesOnlyItsOwnRegistration() {
    WeakKeyDictionary<Object, Object> d = new WeakKeyDictionary<>();
    AtomicInteger heard = new AtomicInteger();
    AtomicInteger events = new AtomicInteger();
    Consumer<Object> listener = v -> heard.incrementAndGet();
    ReclaimListener engineListener = e -> events.incrementAndGet();
    ReclaimRegistration first = d.onReclaim(listener);
    ReclaimRegistration second = d.onReclaim(listener);
    ReclaimRegistration engineFirst = Reclaimer.addListener(engineListener);
    ReclaimRegistration engineSecond = Reclaimer.addListener(engineListener);
    try {
      first.close();
      first.close();
      engineFirst.close();
      engineFirst.close();
      addDying(d);
      Reclaimer.collect();
      assertEquals(1, heard.get(), "the second registration still listens, once");
      assertTrue(events.get() >= 1, "the second engine registration still listens");
    } finally {
      second.close();
      engineSecond.close();
    }
  }

  private static void addDying(WeakKeyDictionary<Object, Object> d) {
    d.put(new Victim(), "gone");
  }

  /**
   * A finalizer's methods on a dead finalizer are no error: {@code call()}, {@code detach()} and
   * {@code peek()} return {@code null}, {@code setAtExit} does nothing, and the function never
   * runs again.
   */
  @Test
  void finalizerMethods_onADeadFinalizer_doNothing() {
    Victim obj = new Victim();
    AtomicInteger ran = new AtomicInteger();
    Finalizer<Integer> f = Finalizer.of(obj, ran::incrementAndGet);
    assertEquals(1, f.call());
    assertNull(f.call());
    assertNull(f.detach());
    assertNull(f.peek());
    f.setAtExit(true);
    assertTrue(!f.isAlive());
    assertEquals(1, ran.get());
    Finalizer<Integer> detached = Finalizer.of(obj, ran::incrementAndGet);
    assertNotNull(detached.detach());
    assertNull(detached.detach());
    assertNull(detached.call());
    assertEquals(1, ran.get());
  }
}
