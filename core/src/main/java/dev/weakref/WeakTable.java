package dev.weakref;

import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.engine.EngineReference;
import dev.weakref.internal.engine.ReclaimEvents;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
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
 * <p><b>Concurrency.</b> One table, so that a lookup is one load away from its bin, as in
 * {@code WeakHashMap}; sixteen lock stripes: bin {@code i} belongs to stripe {@code i % 16}, which
 * stays true across resizes, since the table never has fewer than sixteen bins. Writers lock the
 * stripe of their bin; a resize locks all stripes. Readers take no lock: slots are read with
 * acquire and written with release, {@code next} and {@code strong} are volatile, new entries go
 * to the head of a chain and removal unlinks in place, so a reader walking a chain never misses an
 * entry that was there for its whole walk. Only a resize relinks entries that readers may be
 * walking; the table counts its resizes (odd while one runs), and a reader that missed while the
 * count moved looks again under the lock (the pattern of the engine's {@code Registry}). With weak
 * keys, replacing the value of a present key takes no lock either: see {@link #setStrong}.
 *
 * <p><b>User code under a lock.</b> Writers, and readers on their locked paths, call the user's
 * {@code equals} holding their stripe's lock. One that re-enters this table on the same thread
 * (monitors are reentrant) may resize it or change the stripe. Each of them checks for that
 * ({@link #moved}) after a match and at the end of its walk, before it acts on what it found, and
 * walks again if so: a change made from {@code equals} loses nothing (an {@code equals} that
 * changes the table every time never lets the caller finish, as in CPython). Going on along a
 * stale chain after a mismatch is safe: chains stay acyclic and end in the same sentinel. Lock-free
 * walks need no such check: they already stand any change.
 *
 * <p><b>Chains end in a sentinel, not {@code null}.</b> Every chain of a stripe's bins ends in
 * that stripe's sentinel entry (no referent, {@code strong} = the stripe). An entry reclaimed by
 * the collector walks its own {@code next} links to the sentinel to find its stripe, so entries
 * need no back pointer (which would cost 8 bytes each). The sentinel never matches a lookup: its
 * referent is {@code null}, and a match always requires a live referent.
 *
 * <p><b>Reclamation.</b> The engine thread calls {@link Entry#reclaimed()}; it unlinks the entry
 * only if that very entry is still in the table (Caffeine's {@code drainValueReferences}), and only
 * then notifies the listeners with the strong side. Entries removed by a caller are
 * {@linkplain java.lang.ref.Reference#clear() cleared} after unlinking, so the collector never
 * enqueues them. Dead entries not yet unlinked are skipped by every lookup and iterator, and a
 * {@code put} that walks past one of its own hash unlinks it itself ({@link #purge}), so that a key
 * is never counted twice; the engine then reports it when it dequeues it.
 *
 * <p><b>Out of memory.</b> Writers allocate before they change anything (a new entry before the
 * stripe's {@code mods} goes odd, a new table before the resize count does), so an
 * {@code OutOfMemoryError} leaves the table as it was; a resize that cannot allocate is skipped.
 */
final class WeakTable<K, V> {
  /** The strong side of a {@link WeakSet} entry. */
  static final Object PRESENT = new Object();
  /** What {@link #swapStrong} returns when a walk must start over. */
  private static final Object RETRY = new Object();

  private static final int STRIPE_COUNT = 16;
  private static final int STRIPE_MASK = STRIPE_COUNT - 1;
  /** The smallest table: one bin per stripe. */
  private static final int MIN_CAPACITY = STRIPE_COUNT;
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
  /** Whether keys hash by identity: {@code weakKeys && identity}, in one field for lookups. */
  private final boolean identityHash;

  /** The bins; replaced (only) by a resize or a clear, under all stripe locks. */
  private volatile Entry[] table;
  /** Odd while a resize relinks entries: readers that missed then look again under the lock. */
  private volatile int resizes;
  private final Stripe[] stripes = new Stripe[STRIPE_COUNT];
  private volatile Consumer<Object>[] listeners = NO_LISTENERS;

  WeakTable(boolean weakKeys, boolean identity) {
    this.weakKeys = weakKeys;
    this.identity = identity;
    this.identityHash = weakKeys && identity;
    for (int i = 0; i < STRIPE_COUNT; i++) {
      stripes[i] = new Stripe(this);
    }
    table = newTable(MIN_CAPACITY);
  }

  /* ---- Entries ---- */

  /** One mapping, and the weak reference to its weak side. */
  static final class Entry extends EngineReference<Object> {
    final int hash;
    /** The value (weak keys), the key (weak values), or for a sentinel its stripe. */
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
      Stripe stripe = (Stripe) x.strong;
      if (stripe != null) {
        stripe.owner.reclaim(stripe, this);
      }
    }
  }

  /**
   * A lock (its monitor) over the bins {@code i} with {@code i % 16} equal to its index, and the
   * count of their entries; their chains all end in {@link #end}.
   */
  static final class Stripe {
    final WeakTable<?, ?> owner;
    final Entry end;
    /**
     * Entries in the stripe's bins, dead ones not yet unlinked included. Written under the lock;
     * volatile so that {@code size()}'s reads of it stay between its reads of {@link #mods}, and a
     * writer's store of it between its two stores of {@code mods}, on every processor.
     */
    volatile int count;
    /**
     * Odd while a writer adds or removes an entry (readers may already see the change before
     * {@code count} does), bumped again when it is done; {@code size()} waits for an even value
     * that stays the same over its two passes, so that it agrees with what readers saw.
     */
    volatile int mods;
    /**
     * Bumped (under the lock) when a weak-value entry is replaced by a new one: the count stays, so
     * {@link #mods} does not move, but a walk that stood on the old entry went stale. With
     * {@code mods}, what {@link #moved} compares; not volatile, as only lock holders use it.
     */
    int replaced;
    /**
     * The strong sides of dead entries that a {@code put} unlinked before the engine did (see
     * {@link WeakTable#purge}), for the engine to hand to the listeners; guarded by the lock.
     */
    @Nullable ArrayList<Object> purged;

    Stripe(WeakTable<?, ?> owner) {
      this.owner = owner;
      this.end = new Entry(null, 0, this, null);
    }
  }

  /**
   * A test seam: when set, runs before each new table is allocated (with its capacity), so that a
   * test can throw the {@code OutOfMemoryError} that allocation could. Off the get/put paths.
   */
  @Nullable IntConsumer allocationHook;

  /** A table of {@code capacity} (a power of two, at least 16) empty bins. */
  private Entry[] newTable(int capacity) {
    IntConsumer hook = allocationHook;
    if (hook != null) {
      hook.accept(capacity);
    }
    Entry[] t = new Entry[capacity];
    for (int i = 0; i < capacity; i++) {
      t[i] = stripes[i & STRIPE_MASK].end;
    }
    return t;
  }

  /**
   * Folds the high bits of a hash into the low ones that pick a bin: the function of
   * {@code WeakHashMap}, which chains without tree bins as this table does. (A multiplicative
   * spread did worse on keys whose own hash is already multiplicative, or strided: about 1.33 and
   * 1.49 probes per hit at half load, against 1.24 and 1.0 for this one; random hashes get 1.25.)
   */
  private static int spread(int h) {
    h ^= (h >>> 20) ^ (h >>> 12);
    return h ^ (h >>> 7) ^ (h >>> 4);
  }

  private int hash(Object key) {
    return spread(identityHash ? System.identityHashCode(key) : key.hashCode());
  }

  private Stripe stripeFor(int hash) {
    return stripes[hash & STRIPE_MASK];
  }

  private static Entry slot(Entry[] t, int i) {
    return (Entry) SLOTS.getAcquire(t, i);
  }

  private static void setSlot(Entry[] t, int i, Entry e) {
    SLOTS.setRelease(t, i, e);
  }

  /**
   * Whether {@code e} is a live entry for {@code key}. A stripe's end marker (hash 0) never matches
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

  /**
   * Finds the live entry that holds this very key object (by identity), or null. Needs no resize
   * check: an entry found is the entry, whatever a resize did meanwhile; only a miss is in doubt.
   */
  private @Nullable Entry findSame(Entry[] t, Object key, int h) {
    for (Entry e = slot(t, h & (t.length - 1)); e != null; e = e.next) {
      if (e.hash == h && (weakKeys ? e.refersTo(key) : e.strong == key && !e.refersTo(null))) {
        return e;
      }
    }
    return null;
  }

  /** Finds the live entry for a key: lock-free, and under the lock if a resize may have hidden it. */
  private @Nullable Entry lookup(Object key) {
    int h = hash(key);
    // The usual hit, the caller's own key object, first: no resize check, no equals.
    Entry e = findSame(table, key, h);
    if (e != null) {
      return e;
    }
    int stamp = resizes;
    e = find(table, key, h);
    if (e != null || ((stamp & 1) == 0 && resizes == stamp)) {
      return e;
    }
    Stripe stripe = stripeFor(h);
    synchronized (stripe) {
      for (;;) {
        Entry[] t = table;
        int m = stamp(stripe);
        e = find(t, key, h);
        if (!moved(stripe, t, m)) {
          return e;
        }
      }
    }
  }

  /** For tests: the live entry of {@code key}, or null. */
  @Nullable Entry entryOf(Object key) {
    return lookup(key);
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
    Entry e = query(key);
    // A weak-key entry whose value is null is being removed (see remove): absent, as get says.
    return e != null && valueOf(e) != null;
  }

  boolean containsValue(@Nullable Object value) {
    Objects.requireNonNull(value, "null value");
    for (int s = 0; s < STRIPE_COUNT; s++) {
      Stripe stripe = stripes[s];
      // Under the lock: a resize relinks entries in place, and a lock-free walk could skip one.
      synchronized (stripe) {
        scan:
        for (;;) {
          Entry[] t = table;
          int m = stamp(stripe);
          for (int i = s; i < t.length; i += STRIPE_COUNT) {
            for (Entry e = t[i]; e != stripe.end; e = e.next) {
              Object v = valueOf(e);
              if (v != null) {
                int c = compare(stripe, t, m, value, v);
                if (c == STALE) {
                  continue scan;
                }
                if (c == MATCH && keyOf(e) != null) {
                  return true;
                }
              }
            }
          }
          break;
        }
      }
    }
    return false;
  }

  /**
   * The number of entries (two passes over the stripes, then all locks). Entries whose weak side
   * the collector has cleared count until the engine has unlinked them, which it has done by the
   * time {@code Reclaimer.collect()} returns.
   */
  int size() {
    for (int attempt = 0; attempt < 3; attempt++) {
      long sum = 0;
      long mods = 0;
      int busy = 0;
      for (Stripe stripe : stripes) {
        int m = stripe.mods;
        busy |= m;
        mods += m;
        sum += stripe.count;
      }
      if ((busy & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      long again = 0;
      for (Stripe stripe : stripes) {
        again += stripe.mods;
      }
      if (again == mods) {
        return (int) Math.min(sum, Integer.MAX_VALUE);
      }
    }
    return (int) Math.min(sizeLocked(0), Integer.MAX_VALUE);
  }

  private long sizeLocked(int i) {
    Stripe stripe = stripes[i];
    synchronized (stripe) {
      return stripe.count + (i + 1 < STRIPE_COUNT ? sizeLocked(i + 1) : 0);
    }
  }

  /** The sum of the stripes' counts, read without locks: a heuristic for growing. */
  private long approximateCount() {
    long sum = 0;
    for (Stripe stripe : stripes) {
      sum += stripe.count;
    }
    return sum;
  }

  /** Runs {@code action} holding every stripe's lock, taken in index order. */
  private void withAllLocks(int i, Runnable action) {
    synchronized (stripes[i]) {
      if (i + 1 < STRIPE_COUNT) {
        withAllLocks(i + 1, action);
      } else {
        action.run();
      }
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
    /*
     * Weak keys: a present key needs no lock, its value changes by CAS (see setStrong). A miss, or
     * an entry removed meanwhile, takes the locked path, which looks again. An entry holding this
     * very key object is looked for before the key is checked: that object passed the check when
     * it went in. This method stays small so that the JIT inlines it into the caller (the whole of
     * it is over C2's limit for hot methods); everything else is in putSlow.
     */
    if (weakKeys && key != null && value != null) {
      @Nullable Object old = setPresent(findSame(table, key, hash(key)), value, onlyIfAbsent);
      if (old != null) {
        @SuppressWarnings("unchecked")
        V v = (V) old;
        return v;
      }
    }
    return putSlow(key, value, onlyIfAbsent);
  }

  /** {@link #put} past the lock-free replacement of the caller's own key object's value. */
  private @Nullable V putSlow(K key, V value, boolean onlyIfAbsent) {
    checkKey(key);
    checkValue(value);
    int h = hash(key);
    if (weakKeys && !identity) {
      @Nullable Object old = setPresent(find(table, key, h), value, onlyIfAbsent);
      if (old != null) {
        @SuppressWarnings("unchecked")
        V v = (V) old;
        return v;
      }
    }
    Stripe stripe = stripeFor(h);
    Entry[] grown;
    synchronized (stripe) {
      Entry[] t;
      int i;
      Entry head;
      scan:
      for (;;) {
        t = table;
        int m = stamp(stripe);
        i = h & (t.length - 1);
        Entry prev = null;
        for (Entry e = t[i], next; e != null; prev = e, e = next) {
          next = e.next;
          if (e.hash == h && next != null && e.refersTo(null)) {
            // Dead (and not the end marker), not yet unlinked by the engine: perhaps this key's
            // previous mapping, which must not be counted next to the new one (CPython 28427).
            if (moved(stripe, t, m)) {
              continue scan; // prev may be stale
            }
            purge(stripe, t, i, prev, e);
            m = stamp(stripe);
            e = prev; // the update step keeps prev where it was
            continue;
          }
          if (e.hash == h && matches(e, key)) {
            if (moved(stripe, t, m)) {
              continue scan;
            }
            V old = valueOf(e);
            if (old == null) {
              continue; // its value died just now: treat as absent
            }
            if (onlyIfAbsent) {
              return old;
            }
            if (weakKeys) {
              Object was = setStrong(e, value);
              if (was == null) {
                continue; // cannot happen under the lock: only lock holders remove entries
              }
              @SuppressWarnings("unchecked")
              V v = (V) was;
              return v;
            }
            if (!e.refersTo(value)) {
              // Not cleared: a reader standing on e may still return its value, linearized before
              // this put. The entry keeps its key object, as a dict and a HashMap do.
              relink(stripe, t, i, prev, new Entry(value, h, e.strong, e.next));
            }
            return old;
          }
        }
        if (!moved(stripe, t, m)) {
          head = t[i];
          break; // a miss
        }
      }
      Entry added = newEntry(key, value, h, head); // before mods goes odd: it may throw (OOME)
      stripe.mods = stripe.mods + 1; // odd: the entry is visible before the count has it
      setSlot(t, i, added);
      int c = stripe.count + 1;
      stripe.count = c;
      stripe.mods = stripe.mods + 1;
      // Grow at a load of 3/4 of this stripe's share of the bins, unless the whole table is less
      // than 1/8 full: keys that crowd one stripe then get about two per bin, and keys that all
      // share one hash (which no growing spreads) cost at most eight bins each.
      grown = c > (t.length >>> 4) - (t.length >>> 6) && approximateCount() > t.length >>> 3
          ? t : null;
    }
    if (grown != null) {
      resize(grown); // not under our stripe's lock: a resize takes all locks in order
    }
    return null;
  }

  /**
   * Whether a lock holder's walk of stripe {@code stripe} in table {@code t}, begun when its
   * {@link #stamp} was {@code m}, may have gone stale. While the lock is held, only the holder's
   * own thread can link or unlink the stripe's entries or replace the table, and only from the
   * user's {@code equals}, re-entering this table: a resize (a new table), or an entry added,
   * removed or replaced (a new stamp). (Other threads may still CAS an entry's {@code strong}: the
   * CAS loops handle that.) The walk then starts over, as CPython's dict lookup does when
   * {@code __eq__} changes the dict.
   */
  private boolean moved(Stripe stripe, Entry[] t, int m) {
    return table != t || stamp(stripe) != m;
  }

  /** {@link #compare}'s answers. */
  private static final int MATCH = 0;
  private static final int MISMATCH = 1;
  private static final int STALE = 2;

  /**
   * Under the lock, walking {@code t} since the stripe's stamp was {@code m}: whether the value
   * {@code current} matches {@code expected} ({@code null} matches any), by the user's
   * {@code equals} if need be; {@link #STALE} if that {@code equals} changed the table (see
   * {@link #moved}), and the walk must start over.
   */
  private int compare(Stripe stripe, Entry[] t, int m, @Nullable Object expected, Object current) {
    return compare(stripe, t, m, expected, current, false);
  }

  /** {@link #compare}, or with {@code same} by identity only (no user code runs then). */
  private int compare(
      Stripe stripe, Entry[] t, int m, @Nullable Object expected, Object current, boolean same) {
    if (expected == null || expected == current) {
      return MATCH;
    }
    if (same) {
      return MISMATCH;
    }
    boolean equal = expected.equals(current);
    return moved(stripe, t, m) ? STALE : equal ? MATCH : MISMATCH;
  }

  /**
   * What {@link #moved} compares: it moves whenever an entry of the stripe is linked, unlinked or
   * replaced.
   */
  private static int stamp(Stripe stripe) {
    return stripe.mods + stripe.replaced;
  }

  /*
   * Weak keys: the value of an entry changes only by CAS of `strong`, with or without the lock, and
   * an entry leaves the table only after a lock holder has CASed its `strong` to null (remove,
   * reclaim, clear). A null `strong` thus means "removed" to every reader, and a CAS that succeeds
   * on a non-null `strong` happened while the entry was in the table.
   */

  /**
   * Without the lock: sets (or with {@code onlyIfAbsent} reads) the value of a weak-key entry found
   * by a lock-free lookup; returns the previous value, or null if there was no entry or it was
   * removed (the caller then takes the locked path).
   */
  private static @Nullable Object setPresent(@Nullable Entry e, Object value, boolean onlyIfAbsent) {
    if (e == null) {
      return null;
    }
    return onlyIfAbsent ? e.strong : setStrong(e, value);
  }

  /** Sets the value of a weak-key entry; returns the previous one, or null if it was removed. */
  private static @Nullable Object setStrong(Entry e, Object value) {
    for (;;) {
      Object s = e.strong;
      if (s == null || STRONG.weakCompareAndSet(e, s, value)) {
        return s;
      }
    }
  }

  /**
   * Under the lock of {@code stripe}, walking {@code t} since its stamp was {@code m}: if the value
   * of weak-key entry {@code e} matches {@code expected} ({@code null} matches any), sets it to
   * {@code value}, or with a null {@code value} takes it (for a removal); returns the old value,
   * null if it did not match, or {@link #RETRY} if the user's {@code equals} changed the table (see
   * {@link #moved}). A successful take leaves the stripe's {@code mods} odd (readers see "removed"
   * once {@code strong} is null, before the count has it), for {@link #unlink} to make even. The
   * user's {@code equals} runs while {@code mods} is even, so that an exception from it leaves the
   * stripe as it was.
   */
  private @Nullable Object swapStrong(Stripe stripe, Entry[] t, int m, Entry e,
      @Nullable Object expected, boolean same, @Nullable Object value) {
    for (;;) {
      Object s = e.strong;
      if (s == null) {
        return null;
      }
      int c = compare(stripe, t, m, expected, s, same);
      if (c != MATCH) {
        return c == STALE ? RETRY : null;
      }
      if (value != null) {
        if (STRONG.weakCompareAndSet(e, s, value)) {
          return s;
        }
        continue; // a lock-free put replaced the value meanwhile: look again
      }
      stripe.mods = stripe.mods + 1;
      if (STRONG.compareAndSet(e, s, null)) {
        return s;
      }
      stripe.mods = stripe.mods + 1; // a lock-free put replaced the value meanwhile: look again
      m = stamp(stripe);
    }
  }

  private static void link(Entry[] t, int i, @Nullable Entry prev, Entry replacement) {
    if (prev == null) {
      setSlot(t, i, replacement);
    } else {
      prev.next = replacement;
    }
  }

  /**
   * Weak values: puts {@code replacement} where {@code prev}'s successor was. The count stays, and
   * so does {@code mods} ({@code size()} need not look again), but {@link Stripe#replaced} moves
   * on, so that a walk gone stale sees it (see {@link #moved}).
   */
  private static void relink(
      Stripe stripe, Entry[] t, int i, @Nullable Entry prev, Entry replacement) {
    link(t, i, prev, replacement);
    stripe.replaced++;
  }

  /** Doubles the table, unless another thread has already replaced {@code old}. */
  private void resize(Entry[] old) {
    withAllLocks(0, () -> {
      if (table != old || old.length >= 1 << 30) {
        return;
      }
      Entry[] t;
      try {
        t = newTable(old.length << 1); // before the count goes odd: it may throw
      } catch (OutOfMemoryError e) {
        // Growing is not needed for correctness: the table stays as it was (chains get longer),
        // the put that asked for it has taken effect, and the next put past the load factor tries
        // again. Rethrowing would fail a put that has already happened.
        return;
      }
      resizes = resizes + 1;
      int mask = t.length - 1;
      for (int b = 0; b < old.length; b++) {
        Entry end = stripes[b & STRIPE_MASK].end;
        // Bin b's entries go to bins b and b + old.length, of the same stripe: the same end.
        for (Entry e = old[b]; e != end; ) {
          Entry next = e.next;
          int i = e.hash & mask;
          e.next = t[i];
          t[i] = e;
          e = next;
        }
      }
      table = t;
      resizes = resizes + 1;
    });
  }

  /** Removes the mapping for {@code key} if its value matches ({@code null} matches any). */
  @Nullable V remove(@Nullable Object key, @Nullable Object expected) {
    return change(Objects.requireNonNull(key, "null key"), expected, false, null);
  }

  /**
   * Removes the mapping an iterator returned, only if it is still there: the entry holds this very
   * key object, and (unless {@code seen} is null) this very value object. A mapping replaced,
   * or removed and put again, since the caller saw it stays (JDK-8078645).
   */
  boolean removeSeen(K key, @Nullable Object seen) {
    return change(key, seen, true, null) != null;
  }

  /** Replaces the value if the key is present and (unless {@code expected} is null) it matches. */
  @Nullable V replace(K key, @Nullable Object expected, V value) {
    checkKey(key);
    checkValue(value);
    return change(key, expected, false, value);
  }

  /**
   * The locked walk behind {@link #remove} (a null {@code value}) and {@link #replace}: removes the
   * mapping of {@code key}, or replaces its value, if its value matches {@code expected}
   * ({@code null} matches any); returns the old value, or null if nothing matched. With
   * {@code same}, only an entry holding this very key object matches, and its value only if it is
   * {@code expected} itself (see {@link #removeSeen}).
   */
  private @Nullable V change(
      Object key, @Nullable Object expected, boolean same, @Nullable Object value) {
    int h = hash(key);
    Stripe stripe = stripeFor(h);
    synchronized (stripe) {
      scan:
      for (;;) {
        Entry[] t = table;
        int m = stamp(stripe);
        int i = h & (t.length - 1);
        Entry prev = null;
        for (Entry e = t[i]; e != null; prev = e, e = e.next) {
          if (e.hash == h && matches(e, key)) {
            if (moved(stripe, t, m)) {
              continue scan;
            }
            if (same && (weakKeys ? !e.refersTo(key) : e.strong != key)) {
              return null; // an equal key object, not the one seen: another mapping
            }
            Object old;
            if (weakKeys) {
              old = swapStrong(stripe, t, m, e, expected, same, value);
              if (old == RETRY) {
                continue scan;
              }
              if (old == null) {
                return null;
              }
            } else {
              old = valueOf(e);
              if (old == null) {
                continue; // its value died just now: treat as absent
              }
              int c = compare(stripe, t, m, expected, old, same);
              if (c == STALE) {
                continue scan;
              }
              if (c == MISMATCH) {
                return null;
              }
              if (value == null) {
                stripe.mods = stripe.mods + 1; // odd, as swapStrong leaves it for weak keys
              } else if (!e.refersTo(value)) {
                relink(stripe, t, i, prev, new Entry(value, h, e.strong, e.next)); // as in put
              }
            }
            if (value == null) {
              unlink(stripe, t, i, prev, e);
            }
            @SuppressWarnings("unchecked")
            V v = (V) old;
            return v;
          }
        }
        if (!moved(stripe, t, m)) {
          return null;
        }
      }
    }
  }

  /** Unlinks a removed entry; {@code stripe.mods} is odd, and even again after. */
  private static void unlink(Stripe stripe, Entry[] t, int i, @Nullable Entry prev, Entry e) {
    link(t, i, prev, e.next);
    e.clear(); // never enqueued now: a removed entry is not "reclaimed"
    stripe.count = stripe.count - 1;
    stripe.mods = stripe.mods + 1;
  }

  /**
   * Under the lock: unlinks {@code dead}, an entry the collector has cleared but the engine has not
   * unlinked yet, and keeps its strong side in {@link Stripe#purged}. The engine still dequeues the
   * entry (the collector enqueued it when it cleared it); {@link #reclaim} then finds it gone, and
   * hands what was kept to the listeners, so a mapping purged here is reported once, as if the
   * engine had unlinked it. Allocates before it changes anything: an {@code OutOfMemoryError}
   * leaves the stripe as it was.
   */
  private void purge(Stripe stripe, Entry[] t, int i, @Nullable Entry prev, Entry dead) {
    ArrayList<Object> kept = stripe.purged;
    if (kept == null) {
      kept = new ArrayList<>(4);
    }
    kept.ensureCapacity(kept.size() + 1);
    stripe.purged = kept;
    stripe.mods = stripe.mods + 1; // odd until the count has it
    // Weak keys: take the value, so that a lock-free put that found the entry before its key died
    // fails its CAS and takes the locked path (as reclaim does).
    Object strong = weakKeys ? STRONG.getAndSet(dead, null) : dead.strong;
    if (strong != null) {
      kept.add(strong);
    }
    link(t, i, prev, dead.next);
    stripe.count = stripe.count - 1;
    stripe.mods = stripe.mods + 1;
  }

  /** Removes every entry and shrinks the table back to its smallest size. */
  void clear() {
    withAllLocks(0, () -> {
      // Allocated first: if that throws (OutOfMemoryError), nothing has changed.
      Entry[] empty = newTable(MIN_CAPACITY);
      for (Stripe stripe : stripes) {
        stripe.mods = stripe.mods + 1; // odd until every entry is gone
      }
      Entry[] t = table;
      for (int b = 0; b < t.length; b++) {
        for (Entry e = t[b], end = stripes[b & STRIPE_MASK].end; e != end; e = e.next) {
          if (weakKeys) {
            e.strong = null; // removed: lock-free writers now fail their CAS
          }
          e.clear();
        }
      }
      // Readers standing in the old table see the entries cleared: no resize stamp needed.
      table = empty;
      for (Stripe stripe : stripes) {
        stripe.count = 0;
        stripe.mods = stripe.mods + 1;
      }
    });
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
  private void reclaim(Stripe stripe, Entry dead) {
    Object strong;
    ArrayList<Object> purged;
    synchronized (stripe) {
      Entry[] t = table;
      int i = dead.hash & (t.length - 1);
      Entry prev = null;
      Entry e = t[i];
      while (e != null && e != dead) {
        prev = e;
        e = e.next;
      }
      // Not found: removed or replaced earlier (nothing was reclaimed from the table), or purged
      // by a put, which left its strong side in `purged` (reported below, with any others).
      purged = stripe.purged;
      stripe.purged = null;
      if (e == null) {
        strong = null;
      } else {
        stripe.mods = stripe.mods + 1; // odd until the count has it
        // Weak keys: take the value, so that a lock-free put racing with us fails and re-inserts.
        strong = weakKeys ? STRONG.getAndSet(dead, null) : dead.strong;
        link(t, i, prev, dead.next);
        stripe.count = stripe.count - 1;
        stripe.mods = stripe.mods + 1;
      }
    }
    if (strong != null) {
      notifyListeners(strong);
    }
    if (purged != null) {
      for (int k = 0; k < purged.size(); k++) { // no iterator to allocate
        notifyListeners(purged.get(k));
      }
    }
  }

  private void notifyListeners(Object strong) {
    for (Consumer<Object> l : listeners) {
      try {
        l.accept(strong);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, l);
      }
    }
    ReclaimEvents.entryReclaimed(weakKeys, strong == PRESENT);
  }

  /** Adds a listener for the strong side of each reclaimed entry; returns how to remove it. */
  ReclaimRegistration addListener(Consumer<Object> listener) {
    Objects.requireNonNull(listener, "null listener");
    synchronized (stripes) {
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
    synchronized (stripes) {
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

  /** The entries of one stripe, copied under its lock, so that a resize cannot confuse us. */
  private Entry[] snapshot(int s) {
    Stripe stripe = stripes[s];
    synchronized (stripe) {
      Entry[] out = new Entry[stripe.count];
      int n = 0;
      Entry[] t = table;
      for (int i = s; i < t.length; i += STRIPE_COUNT) {
        for (Entry e = t[i]; e != stripe.end; e = e.next) {
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
   * A weakly consistent cursor over the live mappings: each stripe's entries as they were when
   * the cursor reached it. Holds the key and value of the mapping it will return next, and of the
   * last one returned, strongly (whichever side is weak); never throws
   * {@code ConcurrentModificationException}. {@link #remove()} removes the last mapping only if it
   * is still there as returned (see {@link WeakTable#removeSeen}).
   */
  abstract class Cursor<T> implements Iterator<T> {
    private int stripe;
    private Entry[] entries = new Entry[0];
    private int index;
    private @Nullable K nextKey;
    private @Nullable V nextValue;
    private @Nullable K lastKey;
    /** Held so that the weak side of the last mapping returned stays alive (keys or values). */
    private @Nullable V lastValue;
    private @Nullable T last;

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
        if (stripe == STRIPE_COUNT) {
          nextKey = null;
          nextValue = null;
          return;
        }
        entries = snapshot(stripe++);
        index = 0;
      }
    }

    @Override
    public boolean hasNext() {
      return nextKey != null;
    }

    abstract T make(K key, V value);

    /**
     * The value that {@link #remove()} expects to find with the last key, or null for any: the
     * value the caller has seen with it.
     */
    abstract @Nullable Object seen(T last, V value);

    @Override
    public T next() {
      K k = nextKey;
      V v = nextValue;
      if (k == null || v == null) {
        throw new NoSuchElementException();
      }
      T t = make(k, v);
      lastKey = k;
      lastValue = v;
      last = t;
      advance();
      return t;
    }

    @Override
    public void remove() {
      removeLast();
    }

    /** {@link #remove()}, saying whether the mapping was still there (and is now removed). */
    boolean removeLast() {
      K k = lastKey;
      V v = lastValue;
      T t = last;
      if (k == null || v == null || t == null) {
        throw new IllegalStateException("next() not called, or remove() already called");
      }
      lastKey = null;
      lastValue = null;
      last = null;
      return removeSeen(k, seen(t, v));
    }

    /**
     * {@code removeIf} of the views: removes each mapping that {@code filter} accepts, if it is
     * still there as the filter saw it; returns whether any was removed.
     */
    boolean removeIf(Predicate<? super T> filter) {
      Objects.requireNonNull(filter, "null filter");
      boolean removed = false;
      while (hasNext()) {
        if (filter.test(next()) && removeLast()) {
          removed = true;
        }
      }
      return removed;
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

  /** Keys: {@code remove()} removes the key seen, whatever its value is now. */
  Cursor<K> keyIterator() {
    return new Cursor<K>() {
      @Override
      K make(K key, V value) {
        return key;
      }

      @Override
      @Nullable Object seen(K last, V value) {
        return null;
      }
    };
  }

  Cursor<V> valueIterator() {
    return new Cursor<V>() {
      @Override
      V make(K key, V value) {
        return value;
      }

      @Override
      Object seen(V last, V value) {
        return value;
      }
    };
  }

  Cursor<Map.Entry<K, V>> entryIterator() {
    return new Cursor<Map.Entry<K, V>>() {
      @Override
      Map.Entry<K, V> make(K key, V value) {
        return new WriteThroughEntry(key, value);
      }

      @Override
      Object seen(Map.Entry<K, V> last, V value) {
        return last.getValue(); // what the caller saw last: its own setValue included
      }
    };
  }

  /**
   * What the spliterators of every view report, as {@code ConcurrentHashMap}'s do: no
   * {@code SIZED}, which a table that shrinks as the collector clears entries cannot promise.
   */
  static final int CHARACTERISTICS =
      Spliterator.CONCURRENT | Spliterator.DISTINCT | Spliterator.NONNULL;

  Spliterator<K> keySpliterator() {
    return Spliterators.spliteratorUnknownSize(keyIterator(), CHARACTERISTICS);
  }

  /** Values may repeat: not {@code DISTINCT}, as in {@code ConcurrentHashMap.values()}. */
  Spliterator<V> valueSpliterator() {
    return Spliterators.spliteratorUnknownSize(
        valueIterator(), Spliterator.CONCURRENT | Spliterator.NONNULL);
  }

  Spliterator<Map.Entry<K, V>> entrySpliterator() {
    return Spliterators.spliteratorUnknownSize(entryIterator(), CHARACTERISTICS);
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
    public Spliterator<K> spliterator() {
      return table.keySpliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super K> filter) {
      return table.keyIterator().removeIf(filter);
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

  /** The values of a weak dictionary. */
  static final class ValueView<K, V> extends AbstractCollection<V> {
    private final Map<K, V> map;
    private final WeakTable<K, V> table;

    ValueView(Map<K, V> map, WeakTable<K, V> table) {
      this.map = map;
      this.table = table;
    }

    @Override
    public Iterator<V> iterator() {
      return table.valueIterator();
    }

    @Override
    public Spliterator<V> spliterator() {
      return table.valueSpliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super V> filter) {
      return table.valueIterator().removeIf(filter);
    }

    @Override
    public int size() {
      return table.size();
    }

    @Override
    public boolean contains(@Nullable Object o) {
      return table.containsValue(o);
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
    public Spliterator<Map.Entry<K, V>> spliterator() {
      return table.entrySpliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super Map.Entry<K, V>> filter) {
      return table.entryIterator().removeIf(filter);
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
