package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A user {@code equals} that changes the very container comparing it, on the same thread: the
 * container may have been walking a chain that the change relinked (a resize, or an entry replaced)
 * and must look again, as CPython's dict does when {@code __eq__} mutates it. Nothing may be lost,
 * duplicated or left behind. (From another thread, such an {@code equals} can deadlock; the
 * containers' Javadoc says so.)
 *
 * <p>Where a case meddles in the first {@code n} calls of {@code equals}, it runs for n = 1 to 3: a
 * write may call {@code equals} once without the lock before it calls it under the lock, and each
 * n must leave the container right whichever calls the change lands in.
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

  private static List<Supplier<Map<Object, Object>>> dictionaries() {
    return List.of(WeakKeyDictionary::new, WeakValueDictionary::new);
  }

  /** A key or value of its own, strongly held by {@code held}. */
  private static Object fresh(List<Object> held) {
    Object o = new Object();
    held.add(o);
    return o;
  }

  /**
   * A key of its own with the next of the hashes 1000, 1001…, strongly held by {@code held}: with
   * such keys the table grows at the same points in every run, whatever the identity hashes.
   */
  private static Object freshKey(List<Object> held) {
    Object o = new Meddler(1000 + held.size(), null);
    held.add(o);
    return o;
  }

  /** Puts FILL new mappings in the map, enough to grow it several times, held by {@code held}. */
  private static void fill(Map<Object, Object> map, List<Object> held) {
    for (int i = 0; i < FILL; i++) {
      map.put(freshKey(held), fresh(held));
    }
  }

  /** Makes the meddler's next {@code times} equals calls each {@link #fill} the map. */
  private static void grow(Meddler m, int times, Map<Object, Object> map, List<Object> held) {
    m.meddles = times;
    m.meddle = () -> fill(map, held);
  }

  /** The mappings {@link #grow} made are all there, and nothing else but {@code others}. */
  private static void assertGrown(Map<Object, Object> map, List<Object> held, int others) {
    for (int i = 0; i < held.size(); i += 2) {
      assertSame(held.get(i + 1), map.get(held.get(i)), "a mapping the meddler put is missing");
    }
    assertEquals(others + held.size() / 2, map.size());
    assertEquals(others + held.size() / 2, map.entrySet().stream().count());
  }

  private static String name(Map<?, ?> map, int meddles) {
    return map.getClass().getSimpleName() + " meddling in " + meddles + " equals call(s)";
  }

  /* ---- Growing the container from equals ---- */

  @Test
  void put_ofAKeyWhoseEqualsGrowsTheDictionary_landsInTheNewTable() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      for (int meddles = 1; meddles <= 3; meddles++) {
        Map<Object, Object> d = make.get();
        List<Object> held = new ArrayList<>();
        Object v1 = new Object();
        Object v2 = new Object();
        Meddler k1 = new Meddler(7, null);
        d.put(k1, v1);
        Meddler k2 = new Meddler(7, null); // the same bin, not equal: compared with equals
        grow(k2, meddles, d, held);
        assertNull(d.put(k2, v2));
        assertSame(v1, d.get(k1));
        assertSame(v2, d.get(k2), name(d, meddles) + " lost the put");
        assertGrown(d, held, 2);
        Reference.reachabilityFence(v1);
        Reference.reachabilityFence(v2);
      }
    }
  }

  @Test
  void set_addOfAnElementWhoseEqualsGrowsTheSet_landsInTheNewTable() {
    for (int meddles = 1; meddles <= 3; meddles++) {
      WeakSet<Object> s = new WeakSet<>();
      List<Object> held = new ArrayList<>();
      Meddler e1 = new Meddler(7, null);
      s.add(e1);
      Meddler e2 = new Meddler(7, null);
      e2.meddles = meddles;
      e2.meddle = () -> {
        for (int i = 0; i < FILL; i++) {
          s.add(freshKey(held));
        }
      };
      assertTrue(s.add(e2));
      assertTrue(s.contains(e1));
      assertTrue(s.contains(e2), "the set lost the add, meddling in " + meddles + " call(s)");
      assertTrue(s.containsAll(held));
      assertEquals(2 + held.size(), s.size());
      assertEquals(2 + held.size(), countByIteration(s));
    }
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
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      for (int meddles = 1; meddles <= 3; meddles++) {
        Map<Object, Object> d = make.get();
        List<Object> held = new ArrayList<>();
        Object k = new Object();
        Object v = new Object();
        Object other = new Object();
        Object otherValue = new Object();
        d.put(k, v);
        d.put(other, otherValue);
        Meddler expected = new Meddler(0, v);
        grow(expected, meddles, d, held);
        assertTrue(d.remove(k, expected), name(d, meddles));
        assertFalse(d.containsKey(k));
        assertNull(d.get(k));
        assertSame(otherValue, d.get(other));
        assertGrown(d, held, 1);
        Reference.reachabilityFence(v);
        Reference.reachabilityFence(otherValue);
      }
    }
  }

  @Test
  void replace_withAnExpectedValueWhoseEqualsGrowsTheDictionary_replacesThatMapping() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      for (int meddles = 1; meddles <= 3; meddles++) {
        Map<Object, Object> d = make.get();
        List<Object> held = new ArrayList<>();
        Object k = new Object();
        Object v = new Object();
        Object replacement = new Object();
        d.put(k, v);
        Meddler expected = new Meddler(0, v);
        grow(expected, meddles, d, held);
        assertTrue(d.replace(k, expected, replacement));
        assertSame(replacement, d.get(k), name(d, meddles) + " lost the replacement");
        assertGrown(d, held, 1);
        Reference.reachabilityFence(v);
        Reference.reachabilityFence(replacement);
      }
    }
  }

  @Test
  void get_andContainsValue_whoseEqualsGrowsTheDictionary_findWhatIsThere() {
    // A resize reverses the order of the entries that stay in a bin: a walk that went on along a
    // stale chain would miss entries that were still ahead of it. Hash 0 puts the target in the
    // first bin of the first stripe, where containsValue starts.
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      for (int hash : new int[] {0, 7}) {
        for (int meddles = 1; meddles <= 3; meddles++) {
          for (int before = 0; before <= 4; before++) {
            Map<Object, Object> d = make.get();
            List<Object> held = new ArrayList<>();
            Meddler target = new Meddler(hash, null);
            Object v = new Object();
            d.put(target, v);
            for (int j = 0; j < before; j++) {
              Meddler o = new Meddler(hash, null); // ahead of the target in its chain
              d.put(o, o);
              held.add(o);
              held.add(o);
            }
            String what = name(d, meddles) + ", hash " + hash + ", " + before + " entries ahead";
            Meddler query = new Meddler(hash, target);
            grow(query, meddles, d, held);
            assertSame(v, d.get(query), what + ": get missed a present key");
            Meddler sameValue = new Meddler(0, v);
            grow(sameValue, meddles, d, held);
            assertTrue(d.containsValue(sameValue), what + ": containsValue missed");
            assertSame(v, d.get(target));
            Reference.reachabilityFence(v);
          }
        }
      }
    }
  }

  @Test
  void get_whoseEqualsGrowsTheDictionaryThenPutsTheKeyBackUnderTheLock_findsIt() {
    // Whatever the number of resizes: the first equals (lock-free) grows the table and puts the
    // target back, so the lock-free look misses while the table changed and looks again under the
    // lock. There the second equals, matching the target's entry, puts the target back once more:
    // the entry it matched is gone, and only a second walk finds the new one.
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      Map<Object, Object> d = make.get();
      List<Object> held = new ArrayList<>();
      Meddler target = new Meddler(7, null);
      Object v = new Object();
      d.put(target, v);
      Meddler ahead = new Meddler(7, null);
      d.put(ahead, ahead); // the chain: ahead, then target
      Meddler query = new Meddler(7, target);
      query.meddles = 2;
      query.meddle = () -> {
        if (query.meddles == 1) { // the first call
          fill(d, held);
        }
        assertSame(v, d.remove(target));
        assertNull(d.put(target, v));
      };
      assertSame(v, d.get(query), d.getClass().getSimpleName() + ": get missed a present key");
      assertEquals(2 + held.size() / 2, d.size());
      Reference.reachabilityFence(v);
      Reference.reachabilityFence(ahead);
    }
  }

  /* ---- Replacing or removing an entry from equals (weak values relink the chain) ---- */

  @Test
  void put_ofANewKeyWhoseEqualsReplacesTheHeadsValue_keepsBoth() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      Map<Object, Object> d = make.get();
      List<Object> held = new ArrayList<>();
      Object vC = new Object();
      Meddler kB = new Meddler(7, null);
      d.put(kB, fresh(held));
      Meddler kC = new Meddler(7, null);
      kC.meddles = 3;
      kC.meddle = () -> d.put(kB, fresh(held)); // a new value each time
      assertNull(d.put(kC, vC));
      assertSame(vC, d.get(kC));
      assertSame(held.get(held.size() - 1), d.get(kB),
          d.getClass().getSimpleName() + " lost the inner replacement");
      assertEquals(2, d.size());
      Reference.reachabilityFence(vC);
    }
  }

  /**
   * Two keys in one bin, {@code kB} ahead of {@code kA}, mapped to {@code vB} and {@code vA}. It
   * holds every value it makes, so a weak-value dictionary keeps them while it is reachable.
   */
  static final class TwoInABin {
    final Map<Object, Object> d;
    final Meddler kA = new Meddler(7, null);
    final Meddler kB = new Meddler(7, null);
    final Object vA = new Object();
    final Object vB = new Object();
    final Object vB2 = new Object();
    final Object vNew = new Object();

    TwoInABin(Map<Object, Object> d) {
      this.d = d;
      d.put(kA, vA);
      d.put(kB, vB); // the chain: kB, then kA
    }

    /** Arms {@code m}: its first equals replaces kB's value by vB2 (with weak values, a relink). */
    Meddler replacingB(Meddler m) {
      m.meddles = 1;
      m.meddle = () -> d.put(kB, vB2);
      return m;
    }

    void assertBReplaced() {
      assertSame(vB2, d.get(kB));
      assertEquals(2, d.size());
    }
  }

  @Test
  void put_ofAPresentKeyWhoseEqualsReplacesTheValueBeforeIt_replaces() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      TwoInABin c = new TwoInABin(make.get());
      // query equals kA; comparing it with kB (ahead of kA) replaces kB's value
      Meddler query = c.replacingB(new Meddler(7, c.kA));
      assertSame(c.vA, c.d.put(query, c.vNew));
      c.assertBReplaced();
      // Looked up with query: its equals is the one that matches kA (kA's equals only matches kA).
      assertSame(c.vNew, c.d.get(query), c.d.getClass().getSimpleName() + " lost the outer put");
      Reference.reachabilityFence(c);
    }
  }

  @Test
  void replace_whoseExpectedEqualsReplacesTheValueBeforeIt_replaces() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      TwoInABin c = new TwoInABin(make.get());
      Meddler expected = c.replacingB(new Meddler(0, c.vA));
      assertTrue(c.d.replace(c.kA, expected, c.vNew));
      c.assertBReplaced();
      assertSame(c.vNew, c.d.get(c.kA), c.d.getClass().getSimpleName() + " lost the outer replace");
      Reference.reachabilityFence(c);
    }
  }

  @Test
  void remove_whoseExpectedEqualsReplacesTheValueBeforeIt_unlinksTheEntry() {
    Object vA = new Object();
    WeakValueDictionary<Object, Object> d = new WeakValueDictionary<>();
    Object kB = new Meddler(7, null);
    WeakReference<Object> removedKey = removeAfterReplacingTheEntryBefore(d, vA, kB);
    for (int i = 0; i < 10 && !removedKey.refersTo(null); i++) {
      Reclaimer.collect();
    }
    // Left linked, the removed entry would hold its key strongly for as long as the dictionary.
    assertTrue(removedKey.refersTo(null), "the removed mapping's key is still reachable");
    assertEquals(1, d.size());
    Reference.reachabilityFence(vA);
    Reference.reachabilityFence(kB);
  }

  private static WeakReference<Object> removeAfterReplacingTheEntryBefore(
      WeakValueDictionary<Object, Object> d, Object vA, Object kB) {
    Object kA = new Meddler(7, null);
    d.put(kA, vA);
    d.put(kB, kB); // the chain: kB, then kA
    Meddler expected = new Meddler(0, vA);
    expected.meddles = 1;
    expected.meddle = () -> d.put(kB, vA);
    assertTrue(d.remove(kA, expected));
    assertSame(vA, d.get(kB));
    assertNull(d.get(kA));
    return new WeakReference<>(kA);
  }

  @Test
  void remove_ofAKeyWhoseEqualsRemovesItsTwin_removesNothingTwice() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      Map<Object, Object> d = make.get();
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

  /* ---- The lock-free value swap from equals, and equals that throws ---- */

  @Test
  void removeAndReplace_whoseExpectedEqualsSwapsTheValue_compareTheNewValue() {
    WeakKeyDictionary<Object, Object> d = new WeakKeyDictionary<>();
    Object k = new Object();
    Object v = new Object();
    Object v2 = new Object();
    d.put(k, v);
    Meddler expected = new Meddler(0, v); // equals v only
    expected.meddles = 1;
    expected.meddle = () -> assertSame(v, d.put(k, v2)); // a lock-free swap: no change of mods
    assertFalse(d.remove(k, expected), "removed although the value no longer equals expected");
    assertSame(v2, d.get(k));
    assertEquals(1, d.size());
    Meddler expected2 = new Meddler(0, v2);
    expected2.meddles = 1;
    expected2.meddle = () -> assertSame(v2, d.put(k, v));
    assertFalse(d.replace(k, expected2, new Object()));
    assertSame(v, d.get(k));
    Reference.reachabilityFence(v);
    Reference.reachabilityFence(v2);
  }

  @Test
  void equalsThatThrows_propagates_andLeavesTheContainerUsable() {
    for (Supplier<Map<Object, Object>> make : dictionaries()) {
      Map<Object, Object> d = make.get();
      Object k = new Object();
      Object v = new Object();
      d.put(k, v);
      Meddler expected = new Meddler(0, v);
      expected.meddles = 1;
      expected.meddle = () -> {
        throw new IllegalStateException("boom");
      };
      assertThrows(IllegalStateException.class, () -> d.remove(k, expected));
      assertEquals(1, d.size());
      assertSame(v, d.get(k));
      assertTrue(d.remove(k, v));
      assertEquals(0, d.size());
      Reference.reachabilityFence(v);
    }
  }
}
