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
import dev.weakref.testing.UnraisableCapture;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code MappingTestCase}: the weak-keyed half, plus the Java contracts. */
final class WeakKeyDictionaryTest {

  /** A value that refers back to its own key: the documented leak. */
  static final class Holder {
    final Object key;

    Holder(Object key) {
      this.key = key;
    }
  }

  private static List<Key> keys(int n) {
    List<Key> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Key("k" + i));
    }
    return out;
  }

  private static WeakKeyDictionary<Key, String> dictOf(List<Key> keys) {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    for (Key k : keys) {
      d.put(k, "v" + k.name);
    }
    return d;
  }

  /** Puts n mappings whose keys nobody else holds. */
  private static void putGarbage(Map<Key, String> d, int n) {
    for (int i = 0; i < n; i++) {
      d.put(new Key("doomed" + i), "x");
    }
  }

  @Test
  void entries_vanishAfterCollect_whenKeysAreDropped() {
    List<Key> keys = keys(100);
    WeakKeyDictionary<Key, String> d = dictOf(keys);
    assertEquals(100, d.size());
    assertAllPresent(d, keys); // in a helper: a for-each here would leave its iterator in this frame
    keys = null;
    Reclaimer.collect();
    assertEquals(0, d.size());
    assertTrue(d.isEmpty());
    assertFalse(d.keySet().iterator().hasNext());
  }

  private static void assertAllPresent(WeakKeyDictionary<Key, String> d, List<Key> keys) {
    for (Key k : keys) {
      assertTrue(d.containsKey(k));
      assertEquals("v" + k.name, d.get(k));
    }
  }

  @Test
  void removeKeyValue_whoseEqualsThrows_propagates_andLeavesTheMapAsItWas() throws Exception {
    WeakKeyDictionary<Key, Object> d = new WeakKeyDictionary<>();
    Key k = new Key("k");
    d.put(k, "v");
    Object sloppy = new Object() {
      @Override
      public boolean equals(Object o) {
        throw new ClassCastException("not mine");
      }

      @Override
      public int hashCode() {
        return 0;
      }
    };
    assertThrows(ClassCastException.class, () -> d.remove(k, sloppy));
    // Single-threaded, an odd stripe only sends size() to its locked path, so look at the stripes.
    assertFalse(d.table.writing(), "a stripe left marked as being written");
    assertEquals("v", d.get(k));
    assertEquals(1, d.size());
    Key other = new Key("other");
    d.put(other, "w");
    assertEquals(2, d.size());
    assertTrue(d.remove(k, "v"));
    assertEquals(1, d.size());
    assertFalse(d.containsKey(k));
    Reference.reachabilityFence(other);
  }

  @Test
  void size_afterCollect_countsOnlyLiveKeys() {
    List<Key> kept = keys(10);
    WeakKeyDictionary<Key, String> d = dictOf(kept);
    putGarbage(d, 5000);
    Reclaimer.collect();
    assertEquals(10, d.size());
    assertEquals(10, d.entrySet().size());
    assertEquals(kept.size(), new ArrayList<>(d.keySet()).size());
  }

  @Test
  void keys_compareByEquals_asInPython() {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    Key a = new Key("a");
    Key a2 = new Key("a");
    d.put(a, "1");
    assertEquals("1", d.get(a2));
    assertEquals("1", d.put(a2, "2"));
    assertEquals(1, d.size());
    assertEquals("2", d.get(a));
  }

  @Test
  void identity_comparesKeysByIdentity_andUnionStaysIdentity() {
    WeakKeyDictionary<Key, String> d = WeakKeyDictionary.identity();
    Key a = new Key("a");
    Key a2 = new Key("a");
    d.put(a, "1");
    d.put(a2, "2");
    assertEquals(2, d.size());
    assertEquals("1", d.get(a));
    assertEquals("2", d.get(a2));
    assertTrue(d.isIdentity());
    WeakKeyDictionary<Key, String> u = d.union(Map.of());
    assertTrue(u.isIdentity());
    assertEquals(2, u.size());
    assertFalse(new WeakKeyDictionary<Key, String>().union(Map.of()).isIdentity());
  }

  @Test
  void keyRefs_returnLiveRefsToTheKeys_thatDieWithThem() {
    List<Key> keys = keys(3);
    WeakKeyDictionary<Key, String> d = dictOf(keys);
    List<WeakRef<Key>> refs = d.keyRefs();
    assertEquals(3, refs.size());
    assertRefsToKeys(refs, keys);
    keys = null;
    Reclaimer.collect();
    for (WeakRef<Key> wr : refs) {
      assertNull(wr.get());
    }
    assertTrue(d.keyRefs().isEmpty());
  }

  private static void assertRefsToKeys(List<WeakRef<Key>> refs, List<Key> keys) {
    for (WeakRef<Key> wr : refs) {
      Key k = wr.get();
      assertNotNull(k);
      assertTrue(keys.stream().anyMatch(x -> x == k));
    }
  }

  @Test
  void containerEntries_areNotCountedByGetWeakRefCount() {
    Key k = new Key("k");
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    d.put(k, "v");
    assertEquals(0, Reclaimer.weakRefCount(k));
    List<WeakRef<Key>> refs = d.keyRefs(); // views: they are not counted either
    assertSame(k, refs.get(0).get());
    assertEquals(0, Reclaimer.weakRefCount(k));
    assertNotSame(WeakRef.of(k), refs.get(0));
  }

  @Test
  void iteration_reclaimBetweenNextCalls_yieldsNoNullAndNoException() {
    List<Key> keys = keys(2000);
    WeakKeyDictionary<Key, String> d = dictOf(keys);
    for (int variant = 0; variant < 3; variant++) {
      List<Key> live = keys(2000);
      WeakKeyDictionary<Key, String> m = dictOf(live);
      Iterator<?> it = variant == 0 ? m.keySet().iterator()
          : variant == 1 ? m.values().iterator() : m.entrySet().iterator();
      Object first = it.next();
      assertNotNull(first);
      live = null;
      Reclaimer.collect();
      int more = 0;
      while (it.hasNext()) {
        assertNotNull(it.next());
        more++;
      }
      // The iterator holds at most one mapping ahead (and the one it returned) strongly.
      assertTrue(more <= 1, "yielded " + more + " reclaimed keys");
      first = null;
      it = null;
    }
    assertEquals(2000, d.size());
    Reference.reachabilityFence(keys);
  }

  @Test
  void iterator_neverThrowsConcurrentModification() {
    List<Key> keys = keys(100);
    WeakKeyDictionary<Key, String> d = dictOf(keys);
    int n = 0;
    for (Iterator<Key> it = d.keySet().iterator(); it.hasNext(); ) {
      Key k = it.next();
      d.put(new Key(k.name + "-new" + n), "added while iterating"); // grows tables, resizes
      d.remove(k);
      n++;
    }
    assertTrue(n >= 100);
  }

  @Test
  void iterator_remove_removesTheMapping() {
    List<Key> keys = keys(10);
    WeakKeyDictionary<Key, String> d = dictOf(keys);
    for (Iterator<Map.Entry<Key, String>> it = d.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getKey().name.equals("k3")) {
        it.remove();
        assertThrows(IllegalStateException.class, it::remove);
      }
    }
    assertEquals(9, d.size());
    assertFalse(d.containsKey(new Key("k3")));
  }

  @Test
  void entrySetValue_writesThrough() {
    Key k = new Key("k");
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>(Map.of(k, "old"));
    Map.Entry<Key, String> e = d.entrySet().iterator().next();
    assertEquals("old", e.setValue("new"));
    assertEquals("new", d.get(k));
    assertEquals("new", e.getValue());
  }

  @Test
  void union_returnsNewDictionary_rightOperandWins_operandsUnchanged() {
    Key a = new Key("a");
    Key b = new Key("b");
    Key c = new Key("c");
    WeakKeyDictionary<Key, String> d1 = new WeakKeyDictionary<>(Map.of(a, "1", b, "2"));
    Map<Key, String> d2 = Map.of(b, "20", c, "30");
    WeakKeyDictionary<Key, String> u = d1.union(d2);
    assertNotSame(d1, u);
    assertEquals(Map.of(a, "1", b, "20", c, "30"), u);
    assertEquals(Map.of(a, "1", b, "2"), d1);
    d1.putAll(d2); // Python's |=
    assertEquals(u, d1);
    assertThrows(NullPointerException.class, () -> d1.union(null));
  }

  @Test
  void valueReferringToItsKey_leaks_asInPythonAndWeakHashMap() {
    WeakKeyDictionary<Object, Holder> d = new WeakKeyDictionary<>();
    putSelfReferring(d);
    Reclaimer.collect();
    // The value is held strongly by the dictionary and holds the key: the key is strongly
    // reachable, so the mapping stays for as long as the dictionary does. Documented on the class.
    assertEquals(1, d.size());
    // The way out: refer back to the key weakly.
    WeakKeyDictionary<Object, WeakRef<Object>> fixed = new WeakKeyDictionary<>();
    putWeaklyReferring(fixed);
    Reclaimer.collect();
    assertEquals(0, fixed.size());
  }

  private static void putSelfReferring(WeakKeyDictionary<Object, Holder> d) {
    Object key = new Object();
    d.put(key, new Holder(key));
  }

  private static void putWeaklyReferring(WeakKeyDictionary<Object, WeakRef<Object>> d) {
    Object key = new Object();
    d.put(key, new WeakRef<>(key));
  }

  @Test
  void onReclaim_receivesTheValueOfEachReclaimedKey_onTheEngineThread() {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    List<String> got = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    ReclaimRegistration reg = d.onReclaim(v -> {
      got.add(v);
      threads.add(Thread.currentThread().getName());
    });
    Key kept = new Key("kept");
    d.put(kept, "kept-value");
    putGarbage(d, 3);
    Key removed = new Key("removed");
    d.put(removed, "removed-by-caller");
    d.remove(removed);
    Reclaimer.collect();
    assertEquals(List.of("x", "x", "x"), got);
    assertTrue(threads.stream().allMatch("weakref-reclaimer"::equals));
    reg.close();
    reg.close();
    putGarbage(d, 2);
    Reclaimer.collect();
    assertEquals(3, got.size());
    assertEquals(1, d.size());
    Reference.reachabilityFence(kept);
  }

  @Test
  void onReclaim_listenerThatThrows_goesToUnraisableHook_andOthersStillRun() {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    List<String> got = new CopyOnWriteArrayList<>();
    List<Throwable> errors;
    try (UnraisableCapture unraisable = UnraisableCapture.start()) {
      errors = unraisable.errors();
      d.onReclaim(v -> {
        throw new IllegalStateException("boom");
      });
      d.onReclaim(got::add);
      putGarbage(d, 2);
      Reclaimer.collect();
    }
    assertEquals(2, errors.size());
    assertEquals("boom", errors.get(0).getMessage());
    assertEquals(2, got.size());
  }

  @Test
  void nullsAndValueBasedKeys_areRefusedWithClearExceptions() {
    WeakKeyDictionary<Object, String> d = new WeakKeyDictionary<>();
    assertThrows(NullPointerException.class, () -> d.put(null, "v"));
    assertThrows(NullPointerException.class, () -> d.put(new Object(), null));
    assertThrows(NullPointerException.class, () -> d.get(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.put(42, "v"));
    assertEquals("cannot create weak reference to value-based java.lang.Integer", e.getMessage());
    assertNull(d.get(42));
    assertFalse(d.containsKey(42));
    assertNull(d.remove(42));
    assertThrows(NullPointerException.class, () -> d.onReclaim(null));
  }

  @Test
  void equalsHashCodeToString_followTheMapContract() {
    Key a = new Key("a");
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>(Map.of(a, "1"));
    Map<Key, String> expected = new HashMap<>(Map.of(a, "1"));
    assertEquals(expected, d);
    assertEquals(d, expected);
    assertEquals(expected.hashCode(), d.hashCode());
    assertEquals("{Key(a)=1}", d.toString());
  }

  @Test
  void copyConstructor_copiesMappings() {
    Key a = new Key("a");
    Key b = new Key("b");
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>(Map.of(a, "1", b, "2"));
    assertEquals(Map.of(a, "1", b, "2"), d);
    assertSame(d.get(new Key("a")), d.get(a));
  }

  @Test
  void concurrentWriters_fromManyThreads_loseNothing() throws InterruptedException {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    List<Key> keys = keys(20_000);
    Thread[] threads = new Thread[4];
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < threads.length; t++) {
      int offset = t;
      threads[t] = new Thread(() -> {
        try {
          for (int i = offset; i < keys.size(); i += threads.length) {
            d.put(keys.get(i), "v");
            assertEquals("v", d.get(keys.get(i)));
          }
        } catch (Throwable e) {
          failures.add(e); // an assertion failing in a worker must fail the test
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), failures);
    assertEquals(keys.size(), d.size());
    for (Key k : keys) {
      assertEquals("v", d.get(k));
    }
  }
}
