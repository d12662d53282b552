package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.Key;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code test_weakset}: membership, reclamation, set algebra. */
final class WeakSetTest {

  private static List<Key> keys(int n) {
    List<Key> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Key("e" + i));
    }
    return out;
  }

  private static void addGarbage(Set<Key> s, int n) {
    for (int i = 0; i < n; i++) {
      s.add(new Key("doomed" + i));
    }
  }

  @Test
  void elements_vanishAfterCollect() {
    List<Key> kept = keys(5);
    WeakSet<Key> s = new WeakSet<>(kept);
    addGarbage(s, 100);
    assertEquals(105, s.size());
    Reclaimer.collect();
    assertEquals(5, s.size());
    assertEquals(new HashSet<>(kept), s);
  }

  @Test
  void add_isByEquals_identityVariantByIdentity() {
    WeakSet<Key> s = new WeakSet<>();
    Key a = new Key("a");
    Key a2 = new Key("a");
    assertTrue(s.add(a));
    assertFalse(s.add(a2));
    assertTrue(s.contains(a2));
    WeakSet<Key> ids = WeakSet.identity();
    assertTrue(ids.add(a));
    assertTrue(ids.add(a2));
    assertEquals(2, ids.size());
    assertTrue(ids.isIdentity());
    assertTrue(ids.union(List.of()).isIdentity());
  }

  @Test
  void unionAndDifference_returnNewSetsOfTheSameKind() {
    Key a = new Key("a");
    Key b = new Key("b");
    Key c = new Key("c");
    WeakSet<Key> s = new WeakSet<>(List.of(a, b));
    WeakSet<Key> u = s.union(List.of(c));
    assertEquals(Set.of(a, b, c), u);
    assertEquals(Set.of(a, b), s);
    assertEquals(Set.of(b), s.difference(List.of(a)));
  }

  @Test
  void onReclaim_countsReclaimedElements() {
    WeakSet<Key> s = new WeakSet<>();
    AtomicInteger count = new AtomicInteger();
    ReclaimRegistration reg = s.onReclaim(count::addAndGet);
    addGarbage(s, 7);
    Key removed = new Key("removed");
    s.add(removed);
    s.remove(removed);
    Reclaimer.collect();
    assertEquals(7, count.get());
    reg.close();
    addGarbage(s, 3);
    Reclaimer.collect();
    assertEquals(7, count.get());
  }

  @Test
  void iteration_reclaimBetweenNextCalls_yieldsNoNull() {
    List<Key> live = keys(3000);
    WeakSet<Key> s = new WeakSet<>(live);
    Iterator<Key> it = s.iterator();
    assertNotNull(it.next());
    live = null;
    Reclaimer.collect();
    int more = 0;
    while (it.hasNext()) {
      assertNotNull(it.next());
      more++;
    }
    assertTrue(more <= 1);
  }

  @Test
  void nullAndValueBased_areRefused() {
    WeakSet<Object> s = new WeakSet<>();
    assertThrows(NullPointerException.class, () -> s.add(null));
    assertThrows(IllegalArgumentException.class, () -> s.add(3));
    assertFalse(s.contains(3));
    assertThrows(NullPointerException.class, () -> s.contains(null));
  }

  @Test
  void equalsHashCodeToString_followTheSetContract() {
    Key a = new Key("a");
    WeakSet<Key> s = new WeakSet<>(List.of(a));
    assertEquals(Set.of(a), s);
    assertEquals(Set.of(a).hashCode(), s.hashCode());
    assertEquals("[Key(a)]", s.toString());
  }
}
