package dev.weakref.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * User {@code equals}/{@code hashCode} that throw or are inconsistent (issue 17, item 5): the
 * exception reaches the caller and changes nothing, each container keeps its invariants
 * ({@link ContainerInvariants}), and the engine unlinks reclaimed entries without calling them.
 */
final class FaultyKeysTest {

  /** 0: equals behaves; 1: every other call throws; 2: every call throws. */
  static volatile int equalsMode;

  private final List<Throwable> reports = Collections.synchronizedList(new ArrayList<>());
  private UnraisableHook previousHook;

  @BeforeEach
  void installHook() {
    equalsMode = 0;
    previousHook = Reclaimer.setUnraisableHook((error, source) -> reports.add(error));
  }

  @AfterEach
  void restoreHook() {
    equalsMode = 0;
    Reclaimer.setUnraisableHook(previousHook);
  }

  /** A key whose hash can change or throw and whose equals can throw; ids collide by pairs. */
  static final class Key {
    private static int calls;
    final int id;
    volatile int hash;
    volatile boolean hashThrows;

    Key(int id) {
      this.id = id;
      this.hash = id / 2;
    }

    @Override
    public int hashCode() {
      if (hashThrows) {
        throw new IllegalStateException("hashCode of key " + id + " fails");
      }
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      int mode = equalsMode;
      if (mode == 2 || (mode == 1 && (++calls & 1) == 0)) {
        throw new IllegalStateException("equals of key " + id + " fails");
      }
      return o instanceof Key k && k.id == id;
    }

    @Override
    public String toString() {
      return "Key#" + id;
    }
  }

  /** One container as a set of keys: where the key is weak, or (values) where the value is. */
  enum Subject {
    KEY_DICTIONARY(WeakKeyDictionary::new, (c, k, weakSide) -> dict(c).put(k, "v" + k.id)),
    VALUE_DICTIONARY(WeakValueDictionary::new, (c, k, weakSide) -> dict(c).put(k, weakSide)),
    SET(WeakSet::new, (c, k, weakSide) -> set(c).add(k));

    /** How a subject adds a key: see {@link Subject#add}. */
    interface Adder {
      void add(Object c, Key k, Object weakSide);
    }

    private final Supplier<Object> create;
    private final Adder add;

    Subject(Supplier<Object> create, Adder add) {
      this.create = create;
      this.add = add;
    }

    Object create() {
      return create.get();
    }

    /** Adds {@code k}; {@code weakSide} is the value for a value dictionary, else unused. */
    void add(Object c, Key k, Object weakSide) {
      add.add(c, k, weakSide);
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<Key, Object> dict(Object c) {
      return (java.util.Map<Key, Object>) c;
    }

    @SuppressWarnings("unchecked")
    private static Set<Key> set(Object c) {
      return (Set<Key>) c;
    }

    /** The ops a user may call with a key; each must fail cleanly if the key's code throws. */
    List<Consumer<Object>> ops(Key k, Object value) {
      List<Consumer<Object>> ops = new ArrayList<>();
      ops.add(c -> add(c, k, value));
      if (this == SET) {
        ops.add(c -> ((Set<?>) c).contains(k));
        ops.add(c -> ((Set<?>) c).remove(k));
      } else {
        ops.add(c -> ((java.util.Map<?, ?>) c).get(k));
        ops.add(c -> ((java.util.Map<?, ?>) c).containsKey(k));
        ops.add(c -> ((java.util.Map<?, ?>) c).remove(k));
        ops.add(c -> cast(c).putIfAbsent(k, value));
        ops.add(c -> cast(c).replace(k, value));
        ops.add(c -> cast(c).computeIfAbsent(k, x -> value));
        ops.add(c -> cast(c).merge(k, value, (a, b) -> b));
      }
      return ops;
    }

    @SuppressWarnings("unchecked")
    static java.util.concurrent.ConcurrentMap<Key, Object> cast(Object c) {
      return (java.util.concurrent.ConcurrentMap<Key, Object>) c;
    }

    /** The keys in the container, checking its invariants on the way. */
    Set<Key> keys(Object c, Predicate<Object> lookupable) {
      List<Key> keys = new ArrayList<>();
      if (this == SET) {
        @SuppressWarnings("unchecked")
        WeakSet<Key> s = (WeakSet<Key>) c;
        keys.addAll(ContainerInvariants.check(s, lookupable));
      } else {
        ContainerInvariants.check(cast(c), lookupable).forEach(e -> keys.add(e.getKey()));
      }
      Set<Key> distinct = new HashSet<>(keys);
      assertEquals(keys.size(), distinct.size(), () -> "a key iterated twice: " + keys);
      return distinct;
    }
  }

  /** The value held weakly by a value dictionary's entry for key {@code id} (unused elsewhere). */
  private static Object valueFor(List<Object> holder) {
    Object v = new Object();
    holder.add(v);
    return v;
  }

  @ParameterizedTest
  @EnumSource(Subject.class)
  void hashCodeThatThrows_propagatesAndChangesNothing(Subject subject) {
    Object c = subject.create();
    List<Object> values = new ArrayList<>();
    List<Key> live = addLive(subject, c, 6, values);
    Key bad = new Key(40);
    bad.hashThrows = true;
    Set<Key> before = subject.keys(c, k -> true);
    List<Consumer<Object>> ops = subject.ops(bad, valueFor(values));
    for (int i = 0; i < ops.size(); i++) {
      Consumer<Object> op = ops.get(i);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.accept(c), "op " + i);
      assertTrue(e.getMessage().contains("hashCode of key 40"), e::getMessage);
      assertEquals(before, subject.keys(c, k -> true), "op " + i + " changed the container");
    }
    assertEquals(List.of(), reports);
  }

  @ParameterizedTest
  @EnumSource(Subject.class)
  void equalsThatThrowsSometimes_leavesTheContainerConsistent(Subject subject) {
    Object c = subject.create();
    List<Object> values = new ArrayList<>();
    Key[] pool = new Key[8];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = new Key(i); // hashes collide by pairs: equals is called
    }
    Random random = new Random(17);
    int thrown = 0;
    for (int step = 0; step < 300; step++) {
      Key k = pool[random.nextInt(pool.length)];
      List<Consumer<Object>> ops = subject.ops(k, valueFor(values));
      Consumer<Object> op = ops.get(random.nextInt(ops.size()));
      equalsMode = 1;
      try {
        op.accept(c);
      } catch (IllegalStateException e) {
        assertTrue(e.getMessage().startsWith("equals of key"), e::getMessage);
        thrown++;
      } finally {
        equalsMode = 0;
      }
      subject.keys(c, x -> true);
    }
    assertTrue(thrown > 0, "the flaky equals never threw");
    assertEquals(List.of(), reports);
  }

  @ParameterizedTest
  @EnumSource(Subject.class)
  void reclaimedEntries_areUnlinkedWithoutCallingUserEquals(Subject subject) {
    Object c = subject.create();
    List<Object> values = new ArrayList<>();
    List<Key> live = addLive(subject, c, 8, values);
    addDying(subject, c, 100);
    equalsMode = 2; // any call of equals now throws
    try {
      Reclaimer.collect();
    } finally {
      equalsMode = 0;
    }
    assertEquals(List.of(), reports, "the engine called a user's equals");
    assertEquals(new HashSet<>(live), subject.keys(c, x -> true));
  }

  /**
   * Adds entries for keys 0 to {@code n - 1}, each with its own value held in {@code values}.
   *
   * @return the keys: the caller keeps them alive while it needs their entries
   */
  private static List<Key> addLive(Subject subject, Object c, int n, List<Object> values) {
    List<Key> live = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Key k = new Key(i);
      live.add(k);
      subject.add(c, k, valueFor(values));
    }
    return live;
  }

  /** Adds entries whose weak side dies at the next collection: keys 100.., colliding with live ones' hashes. */
  private static void addDying(Subject subject, Object c, int from) {
    for (int i = 0; i < 8; i++) {
      Key k = new Key(from + i);
      k.hash = i / 2;
      subject.add(c, k, new Object());
    }
  }

  @ParameterizedTest
  @EnumSource(Subject.class)
  void keyWhoseHashChanged_isStillIteratedRemovedAndReclaimed(Subject subject) {
    Object c = subject.create();
    List<Object> values = new ArrayList<>();
    List<Key> live = addLive(subject, c, 6, values);
    Key moved = live.get(2);
    moved.hash = 1_000; // as a mutable key does: the container cannot find it by lookup any more
    Predicate<Object> lookupable = k -> k != moved;
    assertEquals(new HashSet<>(live), subject.keys(c, lookupable));

    addMovedAndDying(subject, c);
    Reclaimer.collect();
    assertEquals(new HashSet<>(live), subject.keys(c, lookupable), "a reclaimed entry whose hash changed");

    Iterator<?> it = subject == Subject.SET ? ((Set<?>) c).iterator() : Subject.cast(c).keySet().iterator();
    boolean removed = false;
    while (it.hasNext()) {
      if (it.next() == moved) {
        it.remove();
        removed = true;
      }
    }
    assertTrue(removed);
    live.remove(moved);
    assertEquals(new HashSet<>(live), subject.keys(c, lookupable), "Iterator.remove() of a key whose hash changed");
    assertFalse(subject.keys(c, lookupable).contains(moved));
    assertEquals(List.of(), reports);
  }

  /** Adds an entry whose weak side dies at the next collection, after its key's hash changed. */
  private static void addMovedAndDying(Subject subject, Object c) {
    Key k = new Key(200);
    subject.add(c, k, new Object());
    k.hash = 2_000;
  }
}
