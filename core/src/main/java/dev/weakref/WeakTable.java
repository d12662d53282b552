package dev.weakref;

import dev.weakref.engine.EngineReference;
import dev.weakref.engine.Reclaimer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The concurrent hash table behind {@link WeakKeyDictionary}, {@link WeakValueDictionary} and
 * {@link WeakSet}, in which each entry <em>is</em> the weak reference.
 *
 * <p><b>Layout.</b> An {@link Entry} extends {@link EngineReference} and carries the hash, the
 * strong side and the chain link, so one entry costs one object of 40 bytes (with compressed
 * oops), as a {@code WeakHashMap} entry does, and no wrapper. The weak side is the key
 * ({@code weakKeys}: the key dictionary and the set) or the value (the value dictionary); the other
 * side is held strongly in {@code strong}. The set stores a shared marker there.
 *
 * <p><b>Concurrency.</b> Sixteen segments, chosen by the top bits of the spread hash, each guard
 * their own table with their monitor; writers lock one segment. Readers take no lock: slots are
 * read with acquire and written with release, {@code next} and {@code strong} are volatile, new
 * entries go to the head of a chain and removal unlinks in place, so a reader walking a chain never
 * misses an entry that was there for its whole walk. Only a resize relinks entries that readers
 * may be walking; each segment counts its resizes (odd while one runs), and a reader that missed
 * while the count moved looks again under the lock (the pattern of the engine's {@code Registry}).
 *
 * <p><b>Chains end in a sentinel, not {@code null}.</b> Every chain of a segment ends in that
 * segment's sentinel entry (no referent, {@code strong} = the segment). An entry reclaimed by the
 * collector walks its own {@code next} links to the sentinel to find its segment, so entries need
 * no back pointer (which would cost 8 bytes each). The sentinel never matches a lookup: its
 * referent is {@code null}, and a match always requires a live referent.
 *
 * <p><b>Reclamation.</b> The engine thread calls {@link Entry#reclaimed()}; it unlinks the entry
 * only if that very entry is still in the table (Caffeine's {@code drainValueReferences}), and only
 * then notifies the listeners with the strong side. Entries removed by a caller are
 * {@linkplain java.lang.ref.Reference#clear() cleared} after unlinking, so the collector never
 * enqueues them. Dead entries not yet unlinked are skipped by every lookup and iterator.
 */
final class WeakTable<K, V> {
  /** The strong side of a {@link WeakSet} entry. */
  static final Object PRESENT = new Object();

  private static final int SEGMENT_BITS = 4;
  private static final int SEGMENT_COUNT = 1 << SEGMENT_BITS;
  private static final int MIN_CAPACITY = 2;
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);
  private static final VarHandle NEXT;
  private static final VarHandle STRONG;
  @SuppressWarnings("unchecked")
  private static final Consumer<Object>[] NO_LISTENERS = new Consumer[0];

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      NEXT = lookup.findVarHandle(Entry.class, "next", Entry.class);
      STRONG = lookup.findVarHandle(Entry.class, "strong", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Whether the key is the weak side (key dictionary, set) rather than the value. */
  final boolean weakKeys;
  /** Whether keys compare by identity ({@code identity()} variants) rather than {@code equals}. */
  final boolean identity;

  private final Segment[] segments = new Segment[SEGMENT_COUNT];
  private volatile Consumer<Object>[] listeners = NO_LISTENERS;

  WeakTable(boolean weakKeys, boolean identity) {
    this.weakKeys = weakKeys;
    this.identity = identity;
    for (int i = 0; i < SEGMENT_COUNT; i++) {
      segments[i] = new Segment(this);
    }
  }

  /* ---- Entries ---- */

  /** One mapping, and the weak reference to its weak side. */
  static final class Entry extends EngineReference<Object> {
    final int hash;
    /** The value (weak keys), the key (weak values), or for a sentinel its segment. */
    volatile @Nullable Object strong;
    /** The next entry of the chain; {@code null} only for a sentinel. */
    volatile @Nullable Entry next;

    Entry(@Nullable Object referent, int hash, @Nullable Object strong, @Nullable Entry next) {
      super(referent);
      this.hash = hash;
      // Plain stores: the entry is published by a release store of its slot.
      STRONG.set(this, strong);
      NEXT.set(this, next);
    }

    @Override
    protected void reclaimed() {
      Entry x = this;
      for (Entry n; (n = x.next) != null; ) {
        x = n;
      }
      Segment seg = (Segment) x.strong;
      if (seg != null) {
        seg.owner.reclaim(seg, this);
      }
    }
  }

  /** A lock, a table and a count; the table's chains all end in {@link #end}. */
  static final class Segment {
    final WeakTable<?, ?> owner;
    final Entry end;
    volatile Entry[] table;
    /** Entries in the table, dead ones not yet unlinked included. Written under the lock. */
    int count;
    /** Bumped after every change of {@code count}; {@code size()} reads it twice. */
    volatile int mods;
    /** Odd while a resize relinks entries: readers that missed then look again under the lock. */
    volatile int resizes;

    Segment(WeakTable<?, ?> owner) {
      this.owner = owner;
      this.end = new Entry(null, 0, this, null);
      this.table = newTable(MIN_CAPACITY);
    }

    Entry[] newTable(int capacity) {
      Entry[] t = new Entry[capacity];
      Arrays.fill(t, end);
      return t;
    }
  }

  private static int spread(int h) {
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  private int hash(Object key) {
    return spread(weakKeys && identity ? System.identityHashCode(key) : key.hashCode());
  }

  private Segment segmentFor(int hash) {
    return segments[hash >>> (32 - SEGMENT_BITS)];
  }

  private static Entry slot(Entry[] t, int i) {
    return (Entry) SLOTS.getAcquire(t, i);
  }

  private static void setSlot(Entry[] t, int i, Entry e) {
    SLOTS.setRelease(t, i, e);
  }

  /**
   * Whether {@code e} is a live entry for {@code key}. A segment's end marker (hash 0) never matches
   * and never reaches user {@code equals}: its weak side is {@code null}, which both branches test
   * before calling {@code equals}.
   */
  private boolean matches(Entry e, Object key) {
    if (weakKeys) {
      if (e.refersTo(key)) {
        return true;
      }
      if (identity) {
        return false;
      }
      Object k = e.get();
      return k != null && key.equals(k);
    }
    if (e.refersTo(null)) {
      return false; // a dead value, or the end marker
    }
    Object k = e.strong;
    return k == key || (k != null && key.equals(k));
  }

  private @Nullable Entry find(Entry[] t, Object key, int h) {
    for (Entry e = slot(t, h & (t.length - 1)); e != null; e = e.next) {
      if (e.hash == h && matches(e, key)) {
        return e;
      }
    }
    return null;
  }

  /** Finds the live entry for a key: lock-free, and under the lock if a resize may have hidden it. */
  private @Nullable Entry lookup(Object key) {
    int h = hash(key);
    Segment seg = segmentFor(h);
    int stamp = seg.resizes;
    Entry e = find(seg.table, key, h);
    if (e != null || ((stamp & 1) == 0 && seg.resizes == stamp)) {
      return e;
    }
    synchronized (seg) {
      return find(seg.table, key, h);
    }
  }

  /** Returns the key of a live entry, or null if it died. */
  @SuppressWarnings("unchecked")
  @Nullable K keyOf(Entry e) {
    return (K) (weakKeys ? e.get() : e.strong);
  }

  @SuppressWarnings("unchecked")
  @Nullable V valueOf(Entry e) {
    return (V) (weakKeys ? e.strong : e.get());
  }

  /* ---- Queries ---- */

  /**
   * Returns the live entry for a query key. A value-based key needs no check here: {@code put}
   * refuses them, so no entry can match one, and the lookup simply misses.
   */
  private @Nullable Entry query(@Nullable Object key) {
    return lookup(Objects.requireNonNull(key, "null key"));
  }

  @Nullable V get(@Nullable Object key) {
    Entry e = query(key);
    // For weak values the value may die between the match and this read: then it is absent.
    return e == null ? null : valueOf(e);
  }

  boolean containsKey(@Nullable Object key) {
    return query(key) != null;
  }

  boolean containsValue(@Nullable Object value) {
    Objects.requireNonNull(value, "null value");
    for (Segment seg : segments) {
      // Under the lock: a resize relinks entries in place, and a lock-free walk could skip one.
      synchronized (seg) {
        for (Entry e : seg.table) {
          for (; e != null && e != seg.end; e = e.next) {
            Object v = valueOf(e);
            if (v != null && (v == value || value.equals(v)) && keyOf(e) != null) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /**
   * The number of entries (two passes over the segments, then all locks). Entries whose weak side
   * the collector has cleared count until the engine has unlinked them, which it has done by the
   * time {@code Reclaimer.collect()} returns.
   */
  int size() {
    for (int attempt = 0; attempt < 3; attempt++) {
      long sum = 0;
      long mods = 0;
      for (Segment seg : segments) {
        mods += seg.mods;
        sum += seg.count;
      }
      long again = 0;
      for (Segment seg : segments) {
        again += seg.mods;
      }
      if (again == mods) {
        return (int) Math.min(sum, Integer.MAX_VALUE);
      }
    }
    return (int) Math.min(sizeLocked(0), Integer.MAX_VALUE);
  }

  private long sizeLocked(int i) {
    Segment seg = segments[i];
    synchronized (seg) {
      return seg.count + (i + 1 < segments.length ? sizeLocked(i + 1) : 0);
    }
  }

  /* ---- Updates ---- */

  private Entry newEntry(K key, V value, int h, Entry next) {
    return weakKeys ? new Entry(key, h, value, next) : new Entry(value, h, key, next);
  }

  /**
   * Maps {@code key} to {@code value}; returns the previous value or null. With {@code onlyIfAbsent},
   * leaves a present mapping alone.
   */
  @Nullable V put(K key, V value, boolean onlyIfAbsent) {
    checkKey(key);
    checkValue(value);
    int h = hash(key);
    Segment seg = segmentFor(h);
    synchronized (seg) {
      Entry[] t = seg.table;
      int i = h & (t.length - 1);
      Entry head = t[i];
      Entry prev = null;
      for (Entry e = head; e != null; prev = e, e = e.next) {
        if (e.hash == h && matches(e, key)) {
          V old = valueOf(e);
          if (old == null) {
            continue; // its value died just now: treat as absent
          }
          if (!onlyIfAbsent) {
            setValue(t, i, prev, e, key, value, h);
          }
          return old;
        }
      }
      setSlot(t, i, newEntry(key, value, h, head));
      added(seg, t);
      return null;
    }
  }

  /** Replaces the value of a live entry: in place for weak keys, by a new entry for weak values. */
  private void setValue(Entry[] t, int i, @Nullable Entry prev, Entry e, K key, V value, int h) {
    if (weakKeys) {
      e.strong = value;
    } else if (!e.refersTo(value)) {
      // Not cleared: a reader standing on e may still return its value, linearized before this put.
      link(t, i, prev, newEntry(key, value, h, e.next));
    }
  }

  private static void link(Entry[] t, int i, @Nullable Entry prev, Entry replacement) {
    if (prev == null) {
      setSlot(t, i, replacement);
    } else {
      prev.next = replacement;
    }
  }

  private void added(Segment seg, Entry[] t) {
    int c = seg.count + 1;
    seg.count = c;
    seg.mods = seg.mods + 1;
    if (c > t.length - (t.length >>> 2)) {
      resize(seg, t);
    }
  }

  private static void resize(Segment seg, Entry[] old) {
    seg.resizes = seg.resizes + 1;
    Entry[] t = seg.newTable(old.length << 1);
    Entry end = seg.end;
    int mask = t.length - 1;
    for (Entry e : old) {
      while (e != end) {
        Entry next = e.next;
        int i = e.hash & mask;
        e.next = t[i];
        t[i] = e;
        e = next;
      }
    }
    seg.table = t;
    seg.resizes = seg.resizes + 1;
  }

  /** Removes the mapping for {@code key} if its value matches ({@code null} matches any). */
  @Nullable V remove(@Nullable Object key, @Nullable Object expected) {
    Objects.requireNonNull(key, "null key");
    int h = hash(key);
    Segment seg = segmentFor(h);
    synchronized (seg) {
      Entry[] t = seg.table;
      int i = h & (t.length - 1);
      Entry prev = null;
      for (Entry e = t[i]; e != null; prev = e, e = e.next) {
        if (e.hash == h && matches(e, key)) {
          V old = valueOf(e);
          if (old == null) {
            continue;
          }
          if (expected != null && !(expected == old || expected.equals(old))) {
            return null;
          }
          unlink(seg, t, i, prev, e);
          return old;
        }
      }
      return null;
    }
  }

  private static void unlink(Segment seg, Entry[] t, int i, @Nullable Entry prev, Entry e) {
    link(t, i, prev, e.next);
    e.clear(); // never enqueued now: a removed entry is not "reclaimed"
    seg.count = seg.count - 1;
    seg.mods = seg.mods + 1;
  }

  /** Replaces the value if the key is present and (unless {@code expected} is null) it matches. */
  @Nullable V replace(K key, @Nullable Object expected, V value) {
    checkKey(key);
    checkValue(value);
    int h = hash(key);
    Segment seg = segmentFor(h);
    synchronized (seg) {
      Entry[] t = seg.table;
      int i = h & (t.length - 1);
      Entry prev = null;
      for (Entry e = t[i]; e != null; prev = e, e = e.next) {
        if (e.hash == h && matches(e, key)) {
          V old = valueOf(e);
          if (old == null) {
            continue;
          }
          if (expected != null && !(expected == old || expected.equals(old))) {
            return null;
          }
          setValue(t, i, prev, e, key, value, h);
          return old;
        }
      }
      return null;
    }
  }

  void clear() {
    for (Segment seg : segments) {
      synchronized (seg) {
        Entry[] t = seg.table;
        for (Entry e : t) {
          for (; e != seg.end; e = e.next) {
            e.clear();
          }
        }
        seg.table = seg.newTable(MIN_CAPACITY);
        seg.count = 0;
        seg.mods = seg.mods + 1;
      }
    }
  }

  private void checkKey(@Nullable Object key) {
    if (weakKeys) {
      Referents.requireReferenceable(key);
    } else {
      Objects.requireNonNull(key, "null key");
    }
  }

  private void checkValue(@Nullable Object value) {
    if (weakKeys) {
      Objects.requireNonNull(value, "null value");
    } else {
      Referents.requireReferenceable(value);
    }
  }

  /* ---- Reclamation ---- */

  /** On the engine thread: unlinks {@code dead} if it is still in the table, then notifies. */
  private void reclaim(Segment seg, Entry dead) {
    Object strong;
    synchronized (seg) {
      Entry[] t = seg.table;
      int i = dead.hash & (t.length - 1);
      Entry prev = null;
      Entry e = t[i];
      while (e != null && e != dead) {
        prev = e;
        e = e.next;
      }
      if (e == null) {
        return; // removed or replaced earlier: nothing was reclaimed from the table
      }
      strong = dead.strong;
      link(t, i, prev, dead.next);
      seg.count = seg.count - 1;
      seg.mods = seg.mods + 1;
    }
    Consumer<Object>[] ls = listeners;
    for (Consumer<Object> l : ls) {
      try {
        l.accept(Objects.requireNonNull(strong));
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, l);
      }
    }
  }

  /** Adds a listener for the strong side of each reclaimed entry; returns how to remove it. */
  ReclaimRegistration addListener(Consumer<Object> listener) {
    Objects.requireNonNull(listener, "null listener");
    synchronized (segments) {
      Consumer<Object>[] ls = Arrays.copyOf(listeners, listeners.length + 1);
      ls[ls.length - 1] = listener;
      listeners = ls;
    }
    // Each registration removes its own listener at most once, even if the same listener object
    // was registered twice.
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        removeListener(listener);
      }
    };
  }

  private boolean removeListener(Consumer<Object> listener) {
    synchronized (segments) {
      Consumer<Object>[] ls = listeners;
      for (int i = 0; i < ls.length; i++) {
        if (ls[i] == listener) {
          Consumer<Object>[] copy = Arrays.copyOf(ls, ls.length - 1);
          System.arraycopy(ls, i + 1, copy, i, ls.length - i - 1);
          listeners = copy;
          return true;
        }
      }
      return false;
    }
  }

  /* ---- Iteration ---- */

  /** The live entries of one segment, copied under its lock, so that a resize cannot confuse us. */
  private static Entry[] snapshot(Segment seg) {
    synchronized (seg) {
      Entry[] out = new Entry[seg.count];
      int n = 0;
      for (Entry e : seg.table) {
        for (; e != seg.end; e = e.next) {
          if (n == out.length) {
            out = Arrays.copyOf(out, n * 2 + 1);
          }
          out[n++] = e;
        }
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    }
  }

  /**
   * A weakly consistent cursor over the live mappings: each segment's entries as they were when
   * the cursor reached it. Holds the key and value of the mapping it will return next, and of the
   * last one returned, strongly; never throws {@code ConcurrentModificationException}.
   */
  abstract class Cursor<T> implements Iterator<T> {
    private int segment;
    private Entry[] entries = new Entry[0];
    private int index;
    private @Nullable K nextKey;
    private @Nullable V nextValue;
    private @Nullable K lastKey;

    Cursor() {
      advance();
    }

    private void advance() {
      for (;;) {
        while (index < entries.length) {
          Entry e = entries[index];
          entries[index++] = null; // do not keep entries behind us reachable
          K k = keyOf(e);
          V v = valueOf(e);
          if (k != null && v != null) {
            nextKey = k;
            nextValue = v;
            return;
          }
        }
        if (segment == segments.length) {
          nextKey = null;
          nextValue = null;
          return;
        }
        entries = snapshot(segments[segment++]);
        index = 0;
      }
    }

    @Override
    public boolean hasNext() {
      return nextKey != null;
    }

    abstract T make(K key, V value);

    @Override
    public T next() {
      K k = nextKey;
      V v = nextValue;
      if (k == null || v == null) {
        throw new NoSuchElementException();
      }
      lastKey = k;
      advance();
      return make(k, v);
    }

    @Override
    public void remove() {
      K k = lastKey;
      if (k == null) {
        throw new IllegalStateException("next() not called, or remove() already called");
      }
      lastKey = null;
      WeakTable.this.remove(k, null);
    }
  }

  /** A map entry that writes {@link #setValue} through to the table. */
  final class WriteThroughEntry extends AbstractMap.SimpleEntry<K, V> {
    WriteThroughEntry(K key, V value) {
      super(key, value);
    }

    @Override
    public V setValue(V value) {
      checkValue(value);
      put(getKey(), value, false);
      return super.setValue(value);
    }
  }

  Iterator<K> keyIterator() {
    return new Cursor<K>() {
      @Override
      K make(K key, V value) {
        return key;
      }
    };
  }

  Iterator<V> valueIterator() {
    return new Cursor<V>() {
      @Override
      V make(K key, V value) {
        return value;
      }
    };
  }

  Iterator<Map.Entry<K, V>> entryIterator() {
    return new Cursor<Map.Entry<K, V>>() {
      @Override
      Map.Entry<K, V> make(K key, V value) {
        return new WriteThroughEntry(key, value);
      }
    };
  }

  /** The live keys, each in an untracked {@link WeakRef} made now (see {@code keyRefs()}). */
  List<WeakRef<K>> keyRefs() {
    List<WeakRef<K>> out = new ArrayList<>();
    for (Iterator<K> it = keyIterator(); it.hasNext(); ) {
      out.add(WeakRef.untracked(it.next()));
    }
    return out;
  }

  List<WeakRef<V>> valueRefs() {
    List<WeakRef<V>> out = new ArrayList<>();
    for (Iterator<V> it = valueIterator(); it.hasNext(); ) {
      out.add(WeakRef.untracked(it.next()));
    }
    return out;
  }

  /* ---- Views, shared by the dictionaries ---- */

  /** The key set of a weak dictionary. */
  static final class KeyView<K, V> extends AbstractSet<K> {
    private final Map<K, V> map;
    private final WeakTable<K, V> table;

    KeyView(Map<K, V> map, WeakTable<K, V> table) {
      this.map = map;
      this.table = table;
    }

    @Override
    public Iterator<K> iterator() {
      return table.keyIterator();
    }

    @Override
    public int size() {
      return table.size();
    }

    @Override
    public boolean contains(@Nullable Object o) {
      return table.containsKey(o);
    }

    @Override
    public boolean remove(@Nullable Object o) {
      return table.remove(o, null) != null;
    }

    @Override
    public void clear() {
      map.clear();
    }
  }

  /** The entry set of a weak dictionary. */
  static final class EntryView<K, V> extends AbstractSet<Map.Entry<K, V>> {
    private final Map<K, V> map;
    private final WeakTable<K, V> table;

    EntryView(Map<K, V> map, WeakTable<K, V> table) {
      this.map = map;
      this.table = table;
    }

    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
      return table.entryIterator();
    }

    @Override
    public int size() {
      return table.size();
    }

    @Override
    public boolean contains(@Nullable Object o) {
      if (!(o instanceof Map.Entry<?, ?> e) || e.getKey() == null || e.getValue() == null) {
        return false;
      }
      Object v = table.get(e.getKey());
      return v != null && v.equals(e.getValue());
    }

    @Override
    public boolean remove(@Nullable Object o) {
      if (!(o instanceof Map.Entry<?, ?> e) || e.getKey() == null || e.getValue() == null) {
        return false;
      }
      return table.remove(e.getKey(), e.getValue()) != null;
    }

    @Override
    public void clear() {
      map.clear();
    }
  }

}
