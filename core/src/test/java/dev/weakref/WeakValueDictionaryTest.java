package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code MappingTestCase}: the weak-valued half, plus the Java contracts. */
final class WeakValueDictionaryTest {

  /** A value object; identity matters, equality by name. */
  static final class Obj {
    final String name;

    Obj(String name) {
      this.name = name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Obj x && x.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }

    @Override
    public String toString() {
      return "Obj(" + name + ")";
    }
  }

  private static List<Obj> objects(int n) {
    List<Obj> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Obj("o" + i));
    }
    return out;
  }

  private static WeakValueDictionary<String, Obj> dictOf(List<Obj> objects) {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    for (Obj o : objects) {
      d.put(o.name, o);
    }
    return d;
  }

  private static void putDoomed(Map<String, Obj> d, String... keys) {
    for (String k : keys) {
      d.put(k, new Obj(k));
    }
  }

  @Test
  void entries_vanishAfterCollect_whenValuesAreDropped() {
    List<Obj> objects = objects(100);
    WeakValueDictionary<String, Obj> d = dictOf(objects);
    assertEquals(100, d.size());
    assertAllPresent(d, objects); // in a helper: a for-each here would leave its iterator in this frame
    objects = null;
    Reclaimer.collect();
    assertEquals(0, d.size());
    assertNull(d.get("o1"));
    assertFalse(d.values().iterator().hasNext());
  }

  private static void assertAllPresent(WeakValueDictionary<String, Obj> d, List<Obj> objects) {
    for (Obj o : objects) {
      assertSame(o, d.get(o.name));
    }
  }

  @Test
  void valueRefs_returnRefsToTheLiveValues() {
    List<Obj> objects = objects(3);
    WeakValueDictionary<String, Obj> d = dictOf(objects);
    List<WeakRef<Obj>> refs = d.valueRefs();
    assertEquals(3, refs.size());
    assertRefsToValues(refs, d);
    objects = null;
    Reclaimer.collect();
    refs.forEach(wr -> assertNull(wr.get()));
    assertTrue(d.valueRefs().isEmpty());
  }

  private static void assertRefsToValues(List<WeakRef<Obj>> refs, Map<String, Obj> d) {
    for (WeakRef<Obj> wr : refs) {
      Obj o = wr.get();
      assertNotNull(o);
      assertSame(o, d.get(o.name));
    }
  }

  @Test
  void putAndReplace_withAnEqualKey_keepTheOriginalKeyObject() {
    // As a Python dict and a HashMap do: the new value goes in, the key object already there stays.
    WeakValueDictionary<Obj, Obj> d = new WeakValueDictionary<>();
    Obj original = new Obj("k");
    Obj v1 = new Obj("v1");
    Obj v2 = new Obj("v2");
    Obj v3 = new Obj("v3");
    d.put(original, v1);
    assertSame(v1, d.put(new Obj("k"), v2));
    assertSame(original, d.keySet().iterator().next());
    assertSame(v2, d.replace(new Obj("k"), v3));
    assertSame(original, d.keySet().iterator().next());
    assertTrue(d.replace(new Obj("k"), v3, v1));
    assertSame(original, d.keySet().iterator().next());
    assertSame(v1, d.get(original));
    assertEquals(1, d.size());
    java.lang.ref.Reference.reachabilityFence(v2);
    java.lang.ref.Reference.reachabilityFence(v3);
  }

  @Test
  void put_replacingAValue_dropsTheOldOne_withoutANotification() {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    List<String> reclaimedKeys = new CopyOnWriteArrayList<>();
    d.onReclaim(reclaimedKeys::add);
    Obj kept = new Obj("kept");
    putDoomed(d, "k");
    d.put("k", kept); // replaces the doomed value
    Reclaimer.collect();
    assertSame(kept, d.get("k"));
    assertEquals(1, d.size());
    assertEquals(List.of(), reclaimedKeys);
  }

  @Test
  void onReclaim_receivesTheKeyOfEachReclaimedValue() {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    List<String> reclaimedKeys = new CopyOnWriteArrayList<>();
    ReclaimRegistration reg = d.onReclaim(reclaimedKeys::add);
    putDoomed(d, "a", "b");
    Reclaimer.collect();
    assertEquals(List.of("a", "b"), reclaimedKeys.stream().sorted().toList());
    reg.close();
    putDoomed(d, "c");
    Reclaimer.collect();
    assertEquals(2, reclaimedKeys.size());
  }

  @Test
  void iteration_reclaimBetweenNextCalls_yieldsNoNullAndNoException() {
    List<Obj> live = objects(2000);
    WeakValueDictionary<String, Obj> d = dictOf(live);
    Iterator<Map.Entry<String, Obj>> it = d.entrySet().iterator();
    Map.Entry<String, Obj> first = it.next();
    assertNotNull(first.getValue());
    live = null;
    Reclaimer.collect();
    int more = 0;
    while (it.hasNext()) {
      Map.Entry<String, Obj> e = it.next();
      assertNotNull(e.getKey());
      assertNotNull(e.getValue());
      more++;
    }
    assertTrue(more <= 1, "yielded " + more + " reclaimed values");
  }

  @Test
  void union_returnsNewDictionary_rightOperandWins() {
    Obj a = new Obj("a");
    Obj b = new Obj("b");
    Obj b2 = new Obj("b2");
    WeakValueDictionary<String, Obj> d1 = new WeakValueDictionary<>(Map.of("a", a, "b", b));
    WeakValueDictionary<String, Obj> u = d1.union(Map.of("b", b2));
    assertNotSame(d1, u);
    assertSame(b2, u.get("b"));
    assertSame(a, u.get("a"));
    assertSame(b, d1.get("b"));
    d1.putAll(Map.of("b", b2));
    assertEquals(u, d1);
  }

  @Test
  void idToObj_asInThePythonDocs() {
    WeakValueDictionary<Integer, Obj> registry = new WeakValueDictionary<>();
    Obj o = new Obj("remembered");
    int id = System.identityHashCode(o);
    registry.put(id, o);
    assertSame(o, registry.get(id));
  }

  @Test
  void nullsAndValueBasedValues_areRefused() {
    WeakValueDictionary<String, Object> d = new WeakValueDictionary<>();
    assertThrows(NullPointerException.class, () -> d.put(null, new Object()));
    assertThrows(NullPointerException.class, () -> d.put("k", null));
    assertThrows(NullPointerException.class, () -> d.get(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.put("k", 7L));
    assertEquals("cannot create weak reference to value-based java.lang.Long", e.getMessage());
    assertTrue(d.isEmpty());
  }

  @Test
  void conditionalOperations_compareValuesByEquals() {
    Obj a = new Obj("a");
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>(Map.of("k", a));
    assertFalse(d.remove("k", new Obj("other")));
    assertTrue(d.replace("k", new Obj("a"), a));
    assertSame(a, d.putIfAbsent("k", new Obj("b")));
    assertTrue(d.containsValue(new Obj("a")));
    assertTrue(d.remove("k", new Obj("a")));
    assertTrue(d.isEmpty());
  }

  @Test
  void equalsHashCodeToString_followTheMapContract() {
    Obj a = new Obj("a");
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>(Map.of("k", a));
    assertEquals(new HashMap<>(Map.of("k", a)), d);
    assertEquals(Map.of("k", a).hashCode(), d.hashCode());
    assertEquals("{k=Obj(a)}", d.toString());
  }

  /** A key whose hash spreads to 0 (the end marker's) and whose equals casts without checking. */
  static final class StrictKey {
    final String name;

    StrictKey(String name) {
      this.name = name;
    }

    @Override
    public boolean equals(Object o) {
      return ((StrictKey) o).name.equals(name); // ClassCastException on anything else, on purpose
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  @Test
  void userEquals_neverSeesTheTablesInternals() {
    WeakValueDictionary<StrictKey, Object> d = new WeakValueDictionary<>();
    Object v = new Object();
    assertNull(d.get(new StrictKey("absent")));
    d.put(new StrictKey("k"), v);
    assertSame(v, d.get(new StrictKey("k")));
    assertNull(d.get(new StrictKey("other")));
    WeakKeyDictionary<Object, StrictKey> byKey = new WeakKeyDictionary<>();
    Object key = new Object();
    byKey.put(key, new StrictKey("value"));
    assertTrue(byKey.containsValue(new StrictKey("value")));
    assertFalse(byKey.containsValue(new StrictKey("nope")));
    java.lang.ref.Reference.reachabilityFence(key);
  }
}
