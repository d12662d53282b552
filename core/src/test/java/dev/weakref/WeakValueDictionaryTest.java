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
import dev.weakref.testing.Key;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code MappingTestCase}: the weak-valued half, plus the Java contracts. */
final class WeakValueDictionaryTest {

  private static List<Key> objects(int n) {
    List<Key> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Key("o" + i));
    }
    return out;
  }

  private static WeakValueDictionary<String, Key> dictOf(List<Key> objects) {
    WeakValueDictionary<String, Key> d = new WeakValueDictionary<>();
    for (Key o : objects) {
      d.put(o.name, o);
    }
    return d;
  }

  private static void putGarbage(Map<String, Key> d, String... keys) {
    for (String k : keys) {
      d.put(k, new Key(k));
    }
  }

  @Test
  void entries_vanishAfterCollect_whenValuesAreDropped() {
    List<Key> objects = objects(100);
    WeakValueDictionary<String, Key> d = dictOf(objects);
    assertEquals(100, d.size());
    assertAllPresent(d, objects); // in a helper: a for-each here would leave its iterator in this frame
    objects = null;
    Reclaimer.collect();
    assertEquals(0, d.size());
    assertNull(d.get("o1"));
    assertFalse(d.values().iterator().hasNext());
  }

  private static void assertAllPresent(WeakValueDictionary<String, Key> d, List<Key> objects) {
    for (Key o : objects) {
      assertSame(o, d.get(o.name));
    }
  }

  @Test
  void valueRefs_returnRefsToTheLiveValues() {
    List<Key> objects = objects(3);
    WeakValueDictionary<String, Key> d = dictOf(objects);
    List<WeakRef<Key>> refs = d.valueRefs();
    assertEquals(3, refs.size());
    assertRefsToValues(refs, d);
    objects = null;
    Reclaimer.collect();
    refs.forEach(wr -> assertNull(wr.get()));
    assertTrue(d.valueRefs().isEmpty());
  }

  private static void assertRefsToValues(List<WeakRef<Key>> refs, Map<String, Key> d) {
    for (WeakRef<Key> wr : refs) {
      Key o = wr.get();
      assertNotNull(o);
      assertSame(o, d.get(o.name));
    }
  }

  @Test
  void putAndReplace_withAnEqualKey_keepTheOriginalKeyObject() {
    // As a Python dict and a HashMap do: the new value goes in, the key object already there stays.
    WeakValueDictionary<Key, Key> d = new WeakValueDictionary<>();
    Key original = new Key("k");
    Key v1 = new Key("v1");
    Key v2 = new Key("v2");
    Key v3 = new Key("v3");
    d.put(original, v1);
    assertSame(v1, d.put(new Key("k"), v2));
    assertSame(original, d.keySet().iterator().next());
    assertSame(v2, d.replace(new Key("k"), v3));
    assertSame(original, d.keySet().iterator().next());
    assertTrue(d.replace(new Key("k"), v3, v1));
    assertSame(original, d.keySet().iterator().next());
    assertSame(v1, d.get(original));
    assertEquals(1, d.size());
    java.lang.ref.Reference.reachabilityFence(v2);
    java.lang.ref.Reference.reachabilityFence(v3);
  }

  @Test
  void put_replacingAValue_dropsTheOldOne_withoutANotification() {
    WeakValueDictionary<String, Key> d = new WeakValueDictionary<>();
    List<String> reclaimedKeys = new CopyOnWriteArrayList<>();
    d.onReclaim(reclaimedKeys::add);
    Key kept = new Key("kept");
    putGarbage(d, "k");
    d.put("k", kept); // replaces the doomed value
    Reclaimer.collect();
    assertSame(kept, d.get("k"));
    assertEquals(1, d.size());
    assertEquals(List.of(), reclaimedKeys);
  }

  @Test
  void onReclaim_receivesTheKeyOfEachReclaimedValue() {
    WeakValueDictionary<String, Key> d = new WeakValueDictionary<>();
    List<String> reclaimedKeys = new CopyOnWriteArrayList<>();
    ReclaimRegistration reg = d.onReclaim(reclaimedKeys::add);
    putGarbage(d, "a", "b");
    Reclaimer.collect();
    assertEquals(List.of("a", "b"), reclaimedKeys.stream().sorted().toList());
    reg.close();
    putGarbage(d, "c");
    Reclaimer.collect();
    assertEquals(2, reclaimedKeys.size());
  }

  @Test
  void iteration_reclaimBetweenNextCalls_yieldsNoNullAndNoException() {
    List<Key> live = objects(2000);
    WeakValueDictionary<String, Key> d = dictOf(live);
    Iterator<Map.Entry<String, Key>> it = d.entrySet().iterator();
    Map.Entry<String, Key> first = it.next();
    assertNotNull(first.getValue());
    live = null;
    Reclaimer.collect();
    int more = 0;
    while (it.hasNext()) {
      Map.Entry<String, Key> e = it.next();
      assertNotNull(e.getKey());
      assertNotNull(e.getValue());
      more++;
    }
    assertTrue(more <= 1, "yielded " + more + " reclaimed values");
  }

  @Test
  void union_returnsNewDictionary_rightOperandWins() {
    Key a = new Key("a");
    Key b = new Key("b");
    Key b2 = new Key("b2");
    WeakValueDictionary<String, Key> d1 = new WeakValueDictionary<>(Map.of("a", a, "b", b));
    WeakValueDictionary<String, Key> u = d1.union(Map.of("b", b2));
    assertNotSame(d1, u);
    assertSame(b2, u.get("b"));
    assertSame(a, u.get("a"));
    assertSame(b, d1.get("b"));
    d1.putAll(Map.of("b", b2));
    assertEquals(u, d1);
  }

  @Test
  void idToObj_asInThePythonDocs() {
    WeakValueDictionary<Integer, Key> registry = new WeakValueDictionary<>();
    Key o = new Key("remembered");
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
    Key a = new Key("a");
    WeakValueDictionary<String, Key> d = new WeakValueDictionary<>(Map.of("k", a));
    assertFalse(d.remove("k", new Key("other")));
    assertTrue(d.replace("k", new Key("a"), a));
    assertSame(a, d.putIfAbsent("k", new Key("b")));
    assertTrue(d.containsValue(new Key("a")));
    assertTrue(d.remove("k", new Key("a")));
    assertTrue(d.isEmpty());
  }

  @Test
  void equalsHashCodeToString_followTheMapContract() {
    Key a = new Key("a");
    WeakValueDictionary<String, Key> d = new WeakValueDictionary<>(Map.of("k", a));
    assertEquals(new HashMap<>(Map.of("k", a)), d);
    assertEquals(Map.of("k", a).hashCode(), d.hashCode());
    assertEquals("{k=Key(a)}", d.toString());
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
