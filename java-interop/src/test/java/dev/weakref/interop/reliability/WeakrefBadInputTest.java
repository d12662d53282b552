package dev.weakref.interop.reliability;

import static dev.weakref.testing.BadInputs.bad;
import static dev.weakref.testing.BadInputs.entryPoint;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.ReclaimStats;
import dev.weakref.engine.Reclaimer;
import dev.weakref.interop.Weakref;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-input matrix of the {@link Weakref} statics (issue 17, item 7): each static, given
 * {@code null}, a value-based object, a wrong type through raw generics, a capturing callback or
 * finalizer, an object with no interface to proxy, throws the documented exception naming the
 * problem and changes nothing (refs counted, containers' contents, the engine's stats).
 */
final class WeakrefBadInputTest {

  /** A referent with an interface. */
  static final class Victim implements Runnable {
    @Override
    public void run() {}
  }

  /** A referent with no interface. */
  static final class Plain {}

  record State(int refsToObj, Map<Object, Object> keyDict, Map<Object, Object> valueDict,
      Set<Object> set, ReclaimStats stats) {}

  private final Victim obj = new Victim();
  private final WeakKeyDictionary<Object, Object> keyDict = Weakref.weakKeyDictionary();
  private final WeakValueDictionary<Object, Object> valueDict = Weakref.weakValueDictionary();
  private final WeakSet<Object> set = Weakref.weakSet();

  private State state() {
    return new State(Weakref.getWeakRefCount(obj), new HashMap<>(keyDict), new HashMap<>(valueDict),
        new HashSet<>(set), Reclaimer.stats());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @TestFactory
  List<DynamicNode> statics() {
    Weakref.collect(); // nothing earlier tests dropped is still to be processed
    WeakRef<Victim> existing = Weakref.ref(obj);
    keyDict.put(obj, "v");
    valueDict.put("k", obj);
    set.add(obj);
    Runnable proxy = Weakref.proxy(obj, Runnable.class);
    Victim o = obj;
    Consumer<WeakRef<Victim>> capturing = r -> o.run();
    Consumer<Runnable> capturingProxyCallback = p -> o.run();
    Function<Victim, Runnable> binder = v -> v::run;
    Function<Victim, Runnable> capturingBinder = v -> o::run;
    Map<Object, Object> withNullValue = new LinkedHashMap<>();
    withNullValue.put(new Victim(), "first");
    withNullValue.put(new Victim(), null);
    List<Object> withValueBased = new ArrayList<>(List.of(new Victim(), 1));
    return List.of(
        entryPoint("Weakref.ref", this::state,
            bad("null", NullPointerException.class, "null", () -> Weakref.ref(null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> Weakref.ref(1)),
            bad("Optional", IllegalArgumentException.class, "value-based java.util.Optional",
                () -> Weakref.ref(Optional.of(obj), r -> { })),
            bad("LocalDate", IllegalArgumentException.class, "value-based java.time.LocalDate",
                () -> Weakref.ref(LocalDate.of(2026, 1, 1))),
            bad("raw generics: a Long with a callback", IllegalArgumentException.class,
                "value-based java.lang.Long", () -> Weakref.ref((Object) 1L, (Consumer) capturing)),
            bad("a callback that captured the referent", IllegalArgumentException.class,
                "holds the referent", () -> Weakref.ref(obj, capturing))),
        entryPoint("Weakref.proxy", this::state,
            bad("null", NullPointerException.class, "null", () -> Weakref.proxy(null)),
            bad("null interface", NullPointerException.class, "interface",
                () -> Weakref.proxy(obj, null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> Weakref.proxy(1, Comparable.class)),
            bad("an object with no interface", IllegalArgumentException.class, Plain.class.getName(),
                () -> Weakref.proxy(new Plain())),
            bad("raw generics: an interface it does not implement", IllegalArgumentException.class,
                "java.lang.Comparable", () -> Weakref.proxy(obj, (Class) Comparable.class)),
            bad("a proxy of a proxy", IllegalArgumentException.class, "weakproxy",
                () -> Weakref.proxy(proxy)),
            bad("a callback that captured the referent", IllegalArgumentException.class,
                "holds the referent", () -> Weakref.proxy(obj, Runnable.class, capturingProxyCallback))),
        entryPoint("Weakref.weakMethod", this::state,
            bad("null receiver", NullPointerException.class, "null", () -> Weakref.weakMethod(null, binder)),
            bad("null binder", NullPointerException.class, "binder",
                () -> Weakref.weakMethod(obj, (Function<Victim, Runnable>) null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> Weakref.weakMethod(1, (Function) binder)),
            bad("a binder that captured the receiver", IllegalArgumentException.class, "binder",
                () -> Weakref.weakMethod(obj, capturingBinder))),
        entryPoint("Weakref.finalize", this::state,
            bad("null obj", NullPointerException.class, "null", () -> Weakref.finalize(null, () -> { })),
            bad("null function", NullPointerException.class, "null",
                () -> Weakref.finalize(obj, (Callable<?>) null)),
            bad("Integer.valueOf(1)", IllegalArgumentException.class, "value-based java.lang.Integer",
                () -> Weakref.finalize(1, () -> { })),
            bad("a Runnable that captured the object", IllegalArgumentException.class,
                "finalizer function", () -> Weakref.finalize(obj, () -> o.run())),
            bad("the object as an argument", IllegalArgumentException.class, "argument 0",
                () -> Weakref.finalize(obj, a -> null, obj))),
        entryPoint("Weakref containers", this::state,
            bad("weakKeyDictionary(map with a null value)", NullPointerException.class, "null value",
                () -> Weakref.weakKeyDictionary(withNullValue)),
            bad("weakKeyDictionary(null)", NullPointerException.class, "null",
                () -> Weakref.weakKeyDictionary(null)),
            bad("weakValueDictionary(map with a null value)", NullPointerException.class, "null",
                () -> Weakref.weakValueDictionary(withNullValue)),
            bad("weakSet(collection with an Integer)", IllegalArgumentException.class,
                "value-based java.lang.Integer", () -> Weakref.weakSet(withValueBased)),
            bad("raw generics: weakKeyDictionary().put(Integer, v)", IllegalArgumentException.class,
                "value-based java.lang.Integer", () -> ((Map) keyDict).put(1, "v")),
            bad("putAll of a map with a null value after a good one", NullPointerException.class,
                "null value", () -> keyDict.putAll(withNullValue)),
            bad("addAll of an Integer after a good one", IllegalArgumentException.class,
                "value-based java.lang.Integer", () -> set.addAll(withValueBased))));
  }

  /** Python's {@code getweakrefcount(None)} is 0: so are the statics' answers for {@code null}. */
  @Test
  void countsOfNull_areZeroAndEmpty() {
    assertEquals(0, Weakref.getWeakRefCount(null));
    assertEquals(List.of(), Weakref.getWeakRefs(null));
  }
}
