package dev.weakref.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The invariants every weak container keeps, whatever user code did to it: checked after each fault,
 * once a {@code Reclaimer.collect()} has returned and nothing else uses the container.
 *
 * <ul>
 *   <li>iterating (entries, keys, values) never throws and never yields {@code null};
 *   <li>{@code size()} equals the number of entries iterated, in each view;
 *   <li>every iterated key is found again: {@code containsKey}/{@code contains} is true and
 *       {@code get} returns the very value iterated (unless {@code lookupable} says the key's own
 *       {@code hashCode}/{@code equals} cannot find it, as for a key whose hash changed).
 * </ul>
 */
final class ContainerInvariants {

  private ContainerInvariants() {}

  /** Checks a weak dictionary; returns its entries as iterated. */
  static <K, V> List<Map.Entry<K, V>> check(Map<K, V> map) {
    return check(map, k -> true);
  }

  /** Checks a weak dictionary, looking up only the keys {@code lookupable} accepts. */
  static <K, V> List<Map.Entry<K, V>> check(Map<K, V> map, Predicate<Object> lookupable) {
    List<Map.Entry<K, V>> entries = new ArrayList<>();
    for (Map.Entry<K, V> e : map.entrySet()) {
      K k = e.getKey();
      V v = e.getValue();
      assertNotNull(k, "null key iterated");
      assertNotNull(v, "null value iterated");
      entries.add(Map.entry(k, v));
    }
    int size = map.size();
    assertEquals(size, entries.size(), () -> "size() against entrySet() iteration: " + entries);
    assertEquals(size, count(map.keySet().iterator()), "size() against keySet() iteration");
    assertEquals(size, count(map.values().iterator()), "size() against values() iteration");
    assertEquals(size == 0, map.isEmpty(), "isEmpty() against size()");
    for (Map.Entry<K, V> e : entries) {
      if (lookupable.test(e.getKey())) {
        assertTrue(map.containsKey(e.getKey()), () -> "iterated key not found: " + e.getKey());
        assertSame(e.getValue(), map.get(e.getKey()), () -> "get() of an iterated key: " + e.getKey());
      }
    }
    return entries;
  }

  /** Checks a weak set; returns its elements as iterated. */
  static <E> List<E> check(Set<E> set) {
    return check(set, e -> true);
  }

  /** Checks a weak set, looking up only the elements {@code lookupable} accepts. */
  static <E> List<E> check(Set<E> set, Predicate<Object> lookupable) {
    List<E> elements = new ArrayList<>();
    for (E e : set) {
      assertNotNull(e, "null element iterated");
      elements.add(e);
    }
    assertEquals(set.size(), elements.size(), () -> "size() against iteration: " + elements);
    assertEquals(set.isEmpty(), elements.isEmpty(), "isEmpty() against iteration");
    for (E e : elements) {
      if (lookupable.test(e)) {
        assertTrue(set.contains(e), () -> "iterated element not found: " + e);
      }
    }
    return elements;
  }

  private static int count(Iterator<?> it) {
    int n = 0;
    while (it.hasNext()) {
      assertNotNull(it.next(), "null iterated from a view");
      n++;
    }
    return n;
  }
}
