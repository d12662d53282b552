package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A user {@code equals} that changes the very container comparing it, on the same thread: the
 * container's write may have been walking a chain that the change relinked (a resize) and must look
 * again, as CPython's dict does when {@code __eq__} mutates it. Nothing may be lost or duplicated.
 * (From another thread, such an {@code equals} can deadlock; the containers' Javadoc says so.)
 */
final class ReentrantEqualsTest {
  /** Enough mappings to make a small table grow several times. */
  private static final int FILL = 1000;

  /**
   * An object with a chosen hash that equals itself and {@code twin}; its first {@code meddles}
   * calls of {@code equals} first run {@code meddle}.
   */
  static final class Meddler {
    final int hash;
    final Object twin;
    int meddles;
    Runnable meddle = () -> {};

    Meddler(int hash, Object twin) {
      this.hash = hash;
      this.twin = twin;
    }

    @Override
    public boolean equals(Object o) {
      if (meddles > 0) {
        meddles--;
        meddle.run();
      }
      return o == this || o == twin;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A key or value of its own, strongly held by {@code held}. */
  private static Object fresh(List<Object> held) {
    Object o = new Object();
    held.add(o);
    return o;
  }

  /** Makes the meddler's next {@code times} equals calls each put FILL new mappings into {@code map}. */
  private static void meddle(Meddler m, int times, Map<Object, Object> map, List<Object> held) {
    m.meddles = times;
    m.meddle = () -> {
      for (int i = 0; i < FILL; i++) {
        map.put(fresh(held), fresh(held));
      }
    };
  }

  private static void assertAllThere(Map<Object, Object> map, List<Object> held) {
    for (int i = 0; i < held.size(); i += 2) {
      assertSame(held.get(i + 1), map.get(held.get(i)), "a mapping the meddler put is missing");
    }
  }

  @Test
  void put_ofAKeyWhoseEqualsGrowsTheDictionary_landsInTheNewTable() {
    for (Map<Object, Object> d : List.<Map<Object, Object>>of(
        new WeakKeyDictionary<>(), new WeakValueDictionary<>())) {
      List<Object> held = new ArrayList<>();
      Object v1 = new Object();
      Object v2 = new Object();
      Meddler k1 = new Meddler(7, null);
      d.put(k1, v1);
      Meddler k2 = new Meddler(7, null); // the same bin, not equal: compared with equals
      meddle(k2, 2, d, held); // once in the lock-free look, once under the lock
      assertNull(d.put(k2, v2));
      assertSame(v1, d.get(k1));
      assertSame(v2, d.get(k2), d.getClass().getSimpleName() + " lost the put");
      assertAllThere(d, held);
      assertEquals(2 + held.size() / 2, d.size());
      Reference.reachabilityFence(v1);
      Reference.reachabilityFence(v2);
    }
  }

  @Test
  void set_addOfAnElementWhoseEqualsGrowsTheSet_landsInTheNewTable() {
    WeakSet<Object> s = new WeakSet<>();
    List<Object> held = new ArrayList<>();
    Meddler e1 = new Meddler(7, null);
    s.add(e1);
    Meddler e2 = new Meddler(7, null);
    e2.meddles = 2;
    e2.meddle = () -> {
      for (int i = 0; i < FILL; i++) {
        s.add(fresh(held));
      }
    };
    assertTrue(s.add(e2));
    assertTrue(s.contains(e1));
    assertTrue(s.contains(e2), "the set lost the add");
    assertTrue(s.containsAll(held));
    assertEquals(2 + held.size(), s.size());
    assertEquals(2 + held.size(), countByIteration(s));
  }

  private static int countByIteration(Set<Object> s) {
    int n = 0;
    for (Object ignored : s) {
      n++;
    }
    return n;
  }

  @Test
  void remove_withAnExpectedValueWhoseEqualsGrowsTheDictionary_removesExactlyThatMapping() {
    for (Map<Object, Object> d : List.<Map<Object, Object>>of(
        new WeakKeyDictionary<>(), new WeakValueDictionary<>())) {
      List<Object> held = new ArrayList<>();
      Object k = new Object();
      Object v = new Object();
      Object other = new Object();
      Object otherValue = new Object();
      d.put(k, v);
      d.put(other, otherValue);
      Meddler expected = new Meddler(v.hashCode(), v);
      meddle(expected, 2, d, held);
      assertTrue(d.remove(k, expected));
      assertFalse(d.containsKey(k));
      assertNull(d.get(k));
      assertSame(otherValue, d.get(other));
      assertAllThere(d, held);
      assertEquals(1 + held.size() / 2, d.size());
      assertEquals(1 + held.size() / 2, d.entrySet().stream().count());
      Reference.reachabilityFence(v);
      Reference.reachabilityFence(otherValue);
    }
  }

  @Test
  void replace_withAnExpectedValueWhoseEqualsGrowsTheDictionary_replacesThatMapping() {
    for (Map<Object, Object> d : List.<Map<Object, Object>>of(
        new WeakKeyDictionary<>(), new WeakValueDictionary<>())) {
      List<Object> held = new ArrayList<>();
      Object k = new Object();
      Object v = new Object();
      Object replacement = new Object();
      d.put(k, v);
      Meddler expected = new Meddler(v.hashCode(), v);
      meddle(expected, 2, d, held);
      assertTrue(d.replace(k, expected, replacement));
      assertSame(replacement, d.get(k), d.getClass().getSimpleName() + " lost the replacement");
      assertAllThere(d, held);
      assertEquals(1 + held.size() / 2, d.size());
      assertEquals(1 + held.size() / 2, d.entrySet().stream().count());
      Reference.reachabilityFence(v);
      Reference.reachabilityFence(replacement);
    }
  }

  @Test
  void remove_ofAKeyWhoseEqualsRemovesItsTwin_removesNothingTwice() {
    for (Map<Object, Object> d : List.<Map<Object, Object>>of(
        new WeakKeyDictionary<>(), new WeakValueDictionary<>())) {
      Object v = new Object();
      Meddler k1 = new Meddler(7, null);
      d.put(k1, v);
      Meddler query = new Meddler(7, k1); // equals k1, and removes k1 itself while comparing
      query.meddles = 1;
      query.meddle = () -> assertSame(v, d.remove(k1));
      assertNull(d.remove(query), "removed what was already gone");
      assertTrue(d.isEmpty());
      assertEquals(0, d.size());
      Reference.reachabilityFence(v);
    }
  }
}
