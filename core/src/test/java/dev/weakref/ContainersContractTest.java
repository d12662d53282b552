package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weakref.WeakKeyDictionaryTest.Key;
import dev.weakref.WeakValueDictionaryTest.Obj;
import dev.weakref.internal.engine.EngineReference;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The weak containers against the collection contracts that issue 14 found broken: one mapping
 * per key in {@code size()} (CPython 28427), removal of only what was seen (JDK-8078645),
 * spliterators without {@code SIZED}, iterators that hold what they returned, and a table that an
 * {@code OutOfMemoryError} in a resize or clear leaves as it was.
 *
 * <p>The collector's clearing of an entry that the engine has not unlinked yet is staged without
 * luck: the engine thread is held in an {@link EngineHold}, and the entry is
 * {@linkplain Reference#enqueue() enqueued} (cleared and queued, as the collector does).
 */
final class ContainersContractTest {

  /** Holds the engine thread inside a reclaim until closed; closing then waits for the backlog. */
  static final class EngineHold extends EngineReference<Object> implements AutoCloseable {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    EngineHold() throws InterruptedException {
      super(new Object());
      enqueue();
      assertTrue(entered.await(30, TimeUnit.SECONDS), "the engine never took the hold");
    }

    @Override
    protected void reclaimed() {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      release.countDown();
      Reclaimer.collect(); // everything queued behind the hold has been processed
    }
  }

  /** Clears the entry of {@code key} and queues it for the (held) engine, as the collector does. */
  private static void kill(WeakTable<?, ?> table, Object key) {
    WeakTable.Entry e = table.entryOf(key);
    assertNotNull(e, "no entry for " + key);
    e.enqueue();
  }

  /* ---- Item 2: a key has one mapping, and size() says so ---- */

  @Test
  void weakValues_putOverADeadValueNotYetUnlinked_countsOneMapping() throws Exception {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    List<String> reclaimed = new CopyOnWriteArrayList<>();
    d.onReclaim(reclaimed::add);
    Obj first = new Obj("a");
    d.put("k", first);
    Obj second = new Obj("b");
    EngineHold hold = new EngineHold();
    try {
      kill(d.table, "k");
      assertNull(d.get("k"));
      d.put("k", second);
      assertEquals(1, d.size());
      assertSame(second, d.get("k"));
      assertEquals(1, d.entrySet().stream().count());
    } finally {
      hold.close();
    }
    assertEquals(1, d.size());
    assertSame(second, d.get("k"));
    assertEquals(List.of("k"), reclaimed, "the dead mapping is reported once, as reclaimed");
    Reference.reachabilityFence(first);
  }

  @Test
  void weakKeys_equalKeyOverADeadKeyNotYetUnlinked_countsOneMapping() throws Exception {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    List<String> reclaimed = new CopyOnWriteArrayList<>();
    d.onReclaim(reclaimed::add);
    Key first = new Key("a");
    d.put(first, "v1");
    Key second = new Key("a");
    EngineHold hold = new EngineHold();
    try {
      kill(d.table, first);
      assertNull(d.get(second));
      assertNull(d.put(second, "v2"));
      assertEquals(1, d.size());
      assertEquals("v2", d.get(second));
    } finally {
      hold.close();
    }
    assertEquals(1, d.size());
    assertEquals("v2", d.get(second));
    assertEquals(List.of("v1"), reclaimed, "the dead mapping is reported once, as reclaimed");
    Reference.reachabilityFence(first);
  }

  @Test
  void weakSet_equalElementOverADeadOneNotYetUnlinked_countsOneElement() throws Exception {
    WeakSet<Key> s = new WeakSet<>();
    AtomicInteger reclaimed = new AtomicInteger();
    s.onReclaim(reclaimed::addAndGet);
    Key first = new Key("a");
    s.add(first);
    Key second = new Key("a");
    EngineHold hold = new EngineHold();
    try {
      kill(table(s), first);
      assertTrue(s.add(second));
      assertEquals(1, s.size());
      assertTrue(s.contains(second));
    } finally {
      hold.close();
    }
    assertEquals(1, s.size());
    assertEquals(1, reclaimed.get());
    Reference.reachabilityFence(first);
  }

  /** CPython's regression test for its issue 28427, with the collections forced by a thread. */
  @Test
  void putOfAFreshValueInALoopWhileCollecting_alwaysOneMapping() throws Exception {
    WeakValueDictionary<Integer, Object> wvd = new WeakValueDictionary<>();
    WeakKeyDictionary<Key, Object> wkd = new WeakKeyDictionary<>();
    WeakSet<Key> set = new WeakSet<>();
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    Thread collector = new Thread(() -> {
      try {
        for (int i = 0; i < 15; i++) {
          Reclaimer.collect();
        }
      } catch (Throwable t) {
        failures.add(t);
      } finally {
        done.set(true);
      }
    });
    collector.start();
    int rounds = 0;
    try {
      while (!done.get() || rounds < 1000) {
        Object o = new Object();
        wvd.put(10, o);
        assertEquals(1, wvd.size(), "round " + rounds);
        assertSame(o, wvd.get(10), "round " + rounds);
        // Weak keys: an equal key object may find the previous one still alive (it then stays, as
        // in a dict, and may die just after): never two mappings for the key, though.
        Key k = new Key("10");
        wkd.put(k, o);
        assertTrue(wkd.size() <= 1, "round " + rounds);
        set.add(k);
        assertTrue(set.size() <= 1, "round " + rounds);
        Reference.reachabilityFence(k);
        Reference.reachabilityFence(o);
        rounds++;
      }
    } finally {
      done.set(true);
      collector.join();
    }
    assertTrue(failures.isEmpty(), failures::toString);
  }

  /* ---- Item 5: remove only the (key, value) pair that was seen ---- */

  private static WeakKeyDictionary<Key, Obj> wkdOf(List<Key> keys, List<Obj> values) {
    WeakKeyDictionary<Key, Obj> d = new WeakKeyDictionary<>();
    for (int i = 0; i < keys.size(); i++) {
      d.put(keys.get(i), values.get(i));
    }
    return d;
  }

  private static WeakValueDictionary<String, Obj> wvdOf(List<Obj> values) {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    for (Obj v : values) {
      d.put(v.name, v);
    }
    return d;
  }

  private static List<Obj> objs(String prefix, int n) {
    List<Obj> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Obj(prefix + i));
    }
    return out;
  }

  private static List<Key> keys(int n) {
    List<Key> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Key("k" + i));
    }
    return out;
  }

  /** The predicate itself replaces the value it is judging: a replace between test and remove. */
  private static <K> void removeIfOverAConcurrentReplace_keepsTheNewPair(
      Map<K, Obj> d, Obj replacement) {
    K first = d.keySet().iterator().next();
    assertFalse(
        d.entrySet().removeIf(e -> e.getKey() == first && d.replace(first, replacement) != null));
    assertSame(replacement, d.get(first), "entrySet().removeIf removed a pair it never saw");
    Obj other = new Obj("other");
    assertFalse(d.values().removeIf(v -> v == replacement && d.replace(first, other) != null));
    assertSame(other, d.get(first), "values().removeIf removed a pair it never saw");
    Reference.reachabilityFence(other);
  }

  @Test
  void removeIfOnEntriesAndValues_afterAConcurrentReplace_keepsTheMapping() {
    List<Key> ks = keys(3);
    List<Obj> vs = objs("v", 3);
    Obj replacement = new Obj("r");
    removeIfOverAConcurrentReplace_keepsTheNewPair(wkdOf(ks, vs), replacement);
    removeIfOverAConcurrentReplace_keepsTheNewPair(wvdOf(vs), replacement);
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(vs);
  }

  @Test
  void iteratorRemove_afterAConcurrentReplace_keepsTheMapping() {
    List<Key> ks = keys(2);
    List<Obj> vs = objs("v", 2);
    List<Obj> held = new ArrayList<>();
    for (Map<?, Obj> d : List.<Map<?, Obj>>of(wkdOf(ks, vs), wvdOf(vs))) {
      for (Collection<?> view : List.of(d.values(), d.entrySet())) {
        Obj replacement = new Obj("r");
        held.add(replacement);
        Iterator<?> it = view.iterator();
        Object seen = it.next();
        Object key = seen instanceof Map.Entry<?, ?> e ? e.getKey() : keyOf(d, seen);
        replace(d, key, replacement);
        it.remove();
        assertSame(replacement, d.get(key), view.getClass().getSimpleName());
      }
      // Its own setValue is what the caller saw: removing then removes.
      Iterator<? extends Map.Entry<?, Obj>> it = d.entrySet().iterator();
      Map.Entry<?, Obj> e = it.next();
      Obj replacement = new Obj("s");
      held.add(replacement);
      e.setValue(cast(replacement));
      it.remove();
      assertFalse(d.containsKey(e.getKey()));
      // Keys: whatever the value is now, the key seen goes.
      Iterator<?> keys = d.keySet().iterator();
      Object k = keys.next();
      replace(d, k, vs.get(0));
      keys.remove();
      assertFalse(d.containsKey(k));
    }
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(vs);
    Reference.reachabilityFence(held);
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  private static void replace(Map<?, Obj> d, Object key, Obj value) {
    Map<Object, Obj> m = cast(d);
    assertNotNull(m.replace(key, value));
  }

  private static Object keyOf(Map<?, Obj> d, Object value) {
    for (Map.Entry<?, Obj> e : d.entrySet()) {
      if (e.getValue() == value) {
        return e.getKey();
      }
    }
    throw new AssertionError("no key for " + value);
  }

  /** keySet().removeIf and a set's: a key removed and put again (an equal object) stays. */
  @Test
  void removeIfOnKeys_afterTheKeyWasRemovedAndPutAgain_keepsTheNewKey() {
    List<Obj> vs = objs("v", 2);
    WeakValueDictionary<String, Obj> wvd = wvdOf(vs);
    String again = new String("v0");
    assertFalse(wvd.keySet().removeIf(k -> k.equals("v0") && reput(wvd, again, vs.get(0))));
    assertSame(vs.get(0), wvd.get("v0"));

    List<Key> ks = keys(2);
    WeakKeyDictionary<Key, Obj> wkd = wkdOf(ks, vs);
    Key k0 = new Key("k0");
    assertFalse(wkd.keySet().removeIf(k -> k.equals(k0) && reput(wkd, k0, vs.get(1))));
    assertSame(vs.get(1), wkd.get(k0));

    WeakSet<Key> set = new WeakSet<>(ks);
    Key copy = new Key("k1");
    assertFalse(set.removeIf(k -> k.equals(copy) && set.remove(k) && set.add(copy)));
    assertEquals(2, set.size());
    assertTrue(set.contains(copy));
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(again);
    Reference.reachabilityFence(copy);
  }

  private static <K> boolean reput(Map<K, Obj> d, K key, Obj value) {
    d.remove(key);
    d.put(key, value);
    return true;
  }

  /**
   * The race of the issue (4 of 1,000 lost): one thread replaces each value by a new one, while
   * another removes the mappings whose value is an original. A mapping replaced before the
   * removal took it must be there at the end, every round.
   */
  @Test
  void replaceRacingRemoveIf_neverLosesAReplacedMapping() throws Exception {
    int n = 1000;
    for (int round = 0; round < 20; round++) {
      List<Key> ks = keys(n);
      List<Obj> originals = objs("o", n);
      List<Obj> replacements = objs("r", n);
      for (Map<?, Obj> d : List.<Map<?, Obj>>of(wkdOf(ks, originals), wvdOf(originals))) {
        List<Object> keysOfD = new ArrayList<>(d.keySet());
        boolean[] replaced = new boolean[keysOfD.size()];
        CountDownLatch start = new CountDownLatch(1);
        Thread replacer = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          Map<Object, Obj> m = cast(d);
          for (int i = 0; i < keysOfD.size(); i++) {
            Object k = keysOfD.get(i);
            Obj old = m.get(k);
            Obj r = old == null ? null : replacements.get(Integer.parseInt(old.name.substring(1)));
            replaced[i] = r != null && m.replace(k, old, r);
          }
        });
        replacer.start();
        start.countDown();
        d.values().removeIf(v -> v.name.startsWith("o"));
        replacer.join();
        for (int i = 0; i < keysOfD.size(); i++) {
          if (replaced[i]) {
            assertNotNull(d.get(keysOfD.get(i)), "round " + round + ": lost " + keysOfD.get(i));
          }
        }
      }
      Reference.reachabilityFence(ks);
      Reference.reachabilityFence(replacements);
    }
  }

  /* ---- Item 6: spliterators report what a concurrent, shrinking container can promise ---- */

  private static void assertConcurrentCharacteristics(Spliterator<?> s, boolean distinct) {
    assertTrue(s.hasCharacteristics(Spliterator.CONCURRENT));
    assertTrue(s.hasCharacteristics(Spliterator.NONNULL));
    assertEquals(distinct, s.hasCharacteristics(Spliterator.DISTINCT));
    assertFalse(s.hasCharacteristics(Spliterator.SIZED), "SIZED");
    assertFalse(s.hasCharacteristics(Spliterator.SUBSIZED), "SUBSIZED");
  }

  @Test
  void everyViewOfEveryContainer_reportsConcurrentDistinctNonnullNotSized() {
    List<Key> ks = keys(3);
    List<Obj> vs = objs("v", 3);
    for (Map<?, Obj> d : List.<Map<?, Obj>>of(wkdOf(ks, vs), wvdOf(vs))) {
      assertConcurrentCharacteristics(d.keySet().spliterator(), true);
      assertConcurrentCharacteristics(d.entrySet().spliterator(), true);
      assertConcurrentCharacteristics(d.values().spliterator(), false); // values may repeat
      assertEquals(3, d.values().stream().count());
    }
    assertConcurrentCharacteristics(new WeakSet<>(ks).spliterator(), true);
    Reference.reachabilityFence(ks);
  }

  /** Right after a collection: size() still counts the entries the engine has not unlinked yet. */
  @Test
  void streamToArray_whileClearedEntriesAreStillCounted_yieldsTheLiveOnes() throws Exception {
    List<Key> ks = keys(10);
    List<Obj> vs = objs("v", 10);
    WeakSet<Key> set = new WeakSet<>(ks);
    WeakKeyDictionary<Key, Obj> wkd = wkdOf(ks, vs);
    WeakValueDictionary<String, Obj> wvd = wvdOf(vs);
    EngineHold hold = new EngineHold();
    try {
      for (int i = 0; i < 5; i++) {
        kill(table(set), ks.get(i));
        kill(wkd.table, ks.get(i));
        kill(wvd.table, vs.get(i).name);
      }
      assertEquals(10, set.size());
      assertEquals(5, set.stream().toArray().length);
      for (Map<?, Obj> d : List.<Map<?, Obj>>of(wkd, wvd)) {
        assertEquals(5, d.keySet().stream().toArray().length);
        assertEquals(5, d.values().stream().toArray().length);
        assertEquals(5, d.entrySet().stream().toArray().length);
      }
    } finally {
      hold.close();
    }
    assertEquals(5, set.size());
    assertEquals(5, wkd.size());
    assertEquals(5, wvd.size());
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(vs);
  }

  @Test
  void streamToArray_underConcurrentAddsAndRemoves_neverThrows() throws Exception {
    WeakSet<Key> set = new WeakSet<>();
    WeakKeyDictionary<Key, Obj> wkd = new WeakKeyDictionary<>();
    WeakValueDictionary<String, Obj> wvd = new WeakValueDictionary<>();
    List<Key> ks = keys(2000);
    List<Obj> vs = objs("v", 2000);
    for (int i = 0; i < 1000; i++) {
      set.add(ks.get(i));
      wkd.put(ks.get(i), vs.get(i));
      wvd.put(ks.get(i).name, vs.get(i));
    }
    List<Collection<?>> views = List.of(set, wkd.keySet(), wkd.values(), wkd.entrySet(),
        wvd.keySet(), wvd.values(), wvd.entrySet());
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    Thread churn = new Thread(() -> {
      try {
        for (int i = 0; !stop.get(); i = (i + 1) % 2000) {
          int j = (i + 1000) % 2000;
          set.remove(ks.get(i));
          set.add(ks.get(j));
          wkd.remove(ks.get(i));
          wkd.put(ks.get(j), vs.get(j));
          wvd.remove(ks.get(i).name);
          wvd.put(ks.get(j).name, vs.get(j));
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    });
    churn.start();
    try {
      for (int round = 0; round < 300; round++) {
        for (Collection<?> view : views) {
          Object[] a = view.stream().toArray();
          for (Object o : a) {
            assertNotNull(o);
          }
          assertTrue(a.length <= 2000);
        }
      }
    } finally {
      stop.set(true);
      churn.join();
    }
    assertTrue(failures.isEmpty(), failures::toString);
    Reference.reachabilityFence(vs);
  }

  /* ---- Item 7: an iterator holds the mapping it returned ---- */

  private static WeakValueDictionary<String, Obj> wvdOfFresh(int n) {
    WeakValueDictionary<String, Obj> d = new WeakValueDictionary<>();
    for (int i = 0; i < n; i++) {
      d.put("k" + i, new Obj("v" + i));
    }
    return d;
  }

  private static WeakKeyDictionary<Key, Obj> wkdOfFresh(int n) {
    WeakKeyDictionary<Key, Obj> d = new WeakKeyDictionary<>();
    for (int i = 0; i < n; i++) {
      d.put(new Key("k" + i), new Obj("v" + i));
    }
    return d;
  }

  private static WeakSet<Key> setOfFresh(int n) {
    WeakSet<Key> s = new WeakSet<>();
    for (int i = 0; i < n; i++) {
      s.add(new Key("k" + i));
    }
    return s;
  }

  /**
   * With one mapping, the iterator holds only the one it returned (there is no next): after a
   * collection, the mapping is still there for each view of each container.
   */
  @Test
  void iterator_holdsTheMappingItReturned_forEveryViewOfEveryContainer() {
    for (int view = 0; view < 3; view++) {
      assertIteratorHoldsWhatItReturned(wvdOfFresh(1), view);
      assertIteratorHoldsWhatItReturned(wkdOfFresh(1), view);
    }
    WeakSet<Key> set = setOfFresh(1);
    Iterator<Key> it = set.iterator();
    int hash = it.next().hashCode(); // the element itself is not kept by the test
    Reclaimer.collect();
    assertEquals(1, set.size(), "the set lost the element its iterator returned");
    assertEquals(new Key("k0").hashCode(), hash);
    Reference.reachabilityFence(it);
  }

  private static void assertIteratorHoldsWhatItReturned(Map<?, Obj> d, int view) {
    Collection<?> c = view == 0 ? d.keySet() : view == 1 ? d.values() : d.entrySet();
    Iterator<?> it = c.iterator();
    String seen = String.valueOf(it.next()); // keep no reference to what was returned
    assertFalse(it.hasNext());
    Reclaimer.collect();
    assertEquals(1, d.size(), d.getClass().getSimpleName() + " view " + view + " lost " + seen);
    Reference.reachabilityFence(it);
  }

  /* ---- Item 8: an OutOfMemoryError in a resize or a clear leaves the table as it was ---- */

  private static WeakTable<?, ?> table(WeakSet<?> set) throws ReflectiveOperationException {
    Field f = WeakSet.class.getDeclaredField("table");
    f.setAccessible(true);
    return (WeakTable<?, ?>) f.get(set);
  }

  private static int resizes(WeakTable<?, ?> t) throws ReflectiveOperationException {
    Field f = WeakTable.class.getDeclaredField("resizes");
    f.setAccessible(true);
    return f.getInt(t);
  }

  private static int capacity(WeakTable<?, ?> t) throws ReflectiveOperationException {
    Field f = WeakTable.class.getDeclaredField("table");
    f.setAccessible(true);
    return ((Object[]) f.get(t)).length;
  }

  @Test
  void outOfMemoryInAResize_leavesTheTableConsistentAndThePutDone() throws Exception {
    WeakKeyDictionary<Key, String> d = new WeakKeyDictionary<>();
    AtomicInteger refused = new AtomicInteger();
    d.table.allocationHook = capacity -> {
      refused.incrementAndGet();
      throw new OutOfMemoryError("injected: new table of " + capacity);
    };
    List<Key> ks = keys(200);
    for (Key k : ks) {
      try {
        assertNull(d.put(k, k.name)); // the put is done; growing waits for a later one
      } catch (OutOfMemoryError e) {
        fail("put failed after it had put: " + e); // (JUnit would end the whole run on an OOME)
      }
    }
    assertTrue(refused.get() > 0, "no resize was attempted");
    assertEquals(16, capacity(d.table));
    assertEquals(0, resizes(d.table) & 1, "the resize count was left odd");
    assertEquals(200, d.size());
    for (Key k : ks) {
      assertEquals(k.name, d.get(new Key(k.name)));
    }
    d.table.allocationHook = null;
    List<Key> more = keys(201);
    d.put(more.get(200), "k200");
    assertTrue(capacity(d.table) > 16, "growing did not resume");
    assertEquals(0, resizes(d.table) & 1);
    assertEquals(201, d.size());
    for (Key k : more) {
      assertEquals(k.name, d.get(new Key(k.name)));
    }
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(more);
  }

  @Test
  void outOfMemoryInAClear_changesNothing() throws Exception {
    List<Key> ks = keys(50);
    List<Obj> vs = objs("v", 50);
    WeakKeyDictionary<Key, Obj> wkd = wkdOf(ks, vs);
    WeakValueDictionary<String, Obj> wvd = wvdOf(vs);
    for (Map<?, Obj> d : List.<Map<?, Obj>>of(wkd, wvd)) {
      WeakTable<?, ?> t = ((AbstractWeakDictionary<?, ?>) d).table;
      t.allocationHook = capacity -> {
        throw new OutOfMemoryError("injected");
      };
      assertThrows(OutOfMemoryError.class, d::clear);
      t.allocationHook = null;
      assertEquals(50, d.size());
      int live = 0;
      for (Iterator<?> it = d.entrySet().iterator(); it.hasNext(); it.next()) {
        live++;
      }
      assertEquals(50, live, "a failed clear() removed mappings");
      d.clear();
      assertEquals(0, d.size());
    }
    Reference.reachabilityFence(ks);
    Reference.reachabilityFence(vs);
  }
}
