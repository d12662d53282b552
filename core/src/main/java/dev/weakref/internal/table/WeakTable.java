package dev.weakref.internal.table;

import dev.weakref.ReclaimRegistration;
import dev.weakref.engine.Reclaimer;
import dev.weakref.internal.ListenerList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Internal: the concurrent hash table behind {@code WeakKeyDictionary}, {@code WeakValueDictionary}
 * and {@code WeakSet}, in which each entry <em>is</em> the weak reference.
 *
 * <p>Longer than 450 lines on purpose: this file is the table's locking protocol (lock-free reads,
 * locked writes, resizes, reclamation), which must be read and changed as one. What is not part of
 * it lives apart: the nodes ({@link Entry}, {@link Stripe}), what differs with the weak side
 * ({@link Kind}), iteration and views ({@link Cursor}, {@link Views}).
 *
 * <p><b>Layout.</b> An {@link Entry} extends {@code EngineReference} and carries the hash, the
 * strong side and the chain link, so one entry costs one object of 40 bytes (with compressed
 * oops), as a {@code WeakHashMap} entry does, and no wrapper. The {@link Kind} says which side is
 * weak: the key ({@link WeakKeys}: the key dictionary and the set) or the value
 * ({@link WeakValues}); the other side is held strongly in {@code strong}. The set stores
 * {@link #PRESENT} there.
 *
 * <p><b>Concurrency.</b> One array of bins, so that a lookup is one load away from its bin, as in
 * {@code WeakHashMap}; sixteen lock stripes: bin {@code i} belongs to stripe {@code i % 16}, which
 * stays true across resizes, since the table never has fewer than sixteen bins. Writers lock the
 * stripe of their bin; a resize locks all stripes. Readers take no lock: bins are read with
 * acquire and written with release, {@code next} and {@code strong} are volatile, new entries go
 * to the head of a chain and removal unlinks in place, so a reader walking a chain never misses an
 * entry that was there for its whole walk. Only a resize relinks entries that readers may be
 * walking; the table counts its resizes (odd while one runs), and a reader that missed while the
 * count moved looks again under the lock (the pattern of the engine's {@code Registry}). With weak
 * keys, replacing the value of a present key takes no lock either: see {@link WeakKeys}.
 *
 * <p><b>User code under a lock.</b> Writers, and readers on their locked paths, call the user's
 * {@code equals} holding their stripe's lock. One that re-enters this table on the same thread
 * (monitors are reentrant) may resize it or change the stripe. Each of them checks for that
 * ({@link #moved}) after a match and at the end of its walk, before it acts on what it found, and
 * walks again if so: a change made from {@code equals} loses nothing (an {@code equals} that
 * changes the table every time never lets the caller finish, as in CPython). Going on along a
 * stale chain after a mismatch is safe: chains stay acyclic and end in the same end marker.
 * Lock-free walks need no such check: they already stand any change.
 *
 * <p><b>Chains end in an end marker, not {@code null}.</b> Every chain of a stripe's bins ends in
 * that stripe's {@link Stripe#end} entry (no referent, {@code strong} = the stripe). An entry
 * reclaimed by the collector walks its own {@code next} links to it to find its stripe. The end
 * marker never matches a lookup: its referent is {@code null}, and a match always requires a live
 * referent.
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
 * stripe's {@code mods} goes odd, a new array before the resize count does), so an
 * {@code OutOfMemoryError} leaves the table as it was; a resize that cannot allocate is skipped.
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class WeakTable<K, V> {
  /** The strong side of a {@code WeakSet} entry. */
  public static final Object PRESENT = new Object();

  static final int STRIPE_COUNT = 16;
  private static final int STRIPE_MASK = STRIPE_COUNT - 1;
  /** The smallest table: one bin per stripe. */
  private static final int MIN_CAPACITY = STRIPE_COUNT;

  final Kind kind;
  /** Whether keys hash by identity: the kind's answer, in a field of its own for lookups. */
  private final boolean identityHash;

  /** The bins; replaced (only) by a resize or a clear, under all stripe locks. */
  private volatile Entry[] table;
  /** Odd while a resize relinks entries: readers that missed then look again under the lock. */
  private volatile int resizes;
  private final Stripe[] stripes = new Stripe[STRIPE_COUNT];
  private final ListenerList<Consumer<Object>> listeners = new ListenerList<>();
  private final ListenerList<IntConsumer> countListeners = new ListenerList<>();
  /** Entries reclaimed in the engine's current batch, not yet told to the count listeners. */
  private int reclaimedInBatch;
  /** Tells the count listeners at the end of the batch: see {@link #countReclaimed}. */
  private final Runnable tellCount = this::tellCount;

  private WeakTable(Kind kind) {
    this.kind = kind;
    this.identityHash = kind.identity;
    for (int i = 0; i < STRIPE_COUNT; i++) {
      stripes[i] = new Stripe(this);
    }
    table = newTable(MIN_CAPACITY);
  }

  /**
   * Returns a table whose keys are the weak side.
   *
   * @param identity whether keys compare by identity rather than {@code equals}
   * @param admission throws for a key that may not be referred to weakly
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new table
   */
  public static <K, V> WeakTable<K, V> weakKeys(boolean identity, Consumer<Object> admission) {
    return new WeakTable<>(new WeakKeys(identity, admission));
  }

  /**
   * Returns a table whose values are the weak side; keys compare by {@code equals}.
   *
   * @param admission throws for a value that may not be referred to weakly
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new table
   */
  public static <K, V> WeakTable<K, V> weakValues(Consumer<Object> admission) {
    return new WeakTable<>(new WeakValues(admission));
  }

  /**
   * Returns whether keys compare by identity.
   *
   * @return whether this is an identity table
   */
  public boolean isIdentity() {
    return kind.identity;
  }

  /**
   * A test seam: when set, runs before each new array of bins is allocated (with its capacity), so
   * that a test can throw the {@code OutOfMemoryError} that allocation could. Off the get/put paths.
   */
  public volatile @Nullable IntConsumer allocationHook;

  /** An array of {@code capacity} (a power of two, at least 16) empty bins. */
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

  int hash(Object key) {
    return spread(identityHash ? System.identityHashCode(key) : key.hashCode());
  }

  private Stripe stripeFor(int hash) {
    return stripes[hash & STRIPE_MASK];
  }

  /* ---- Lookups ---- */

  private @Nullable Entry find(Entry[] t, Object key, int h) {
    for (Entry e = Entry.bin(t, h & (t.length - 1)); e != null; e = e.next) {
      if (e.hash == h && kind.matches(e, key)) {
        return e;
      }
    }
    return null;
  }

  /** {@link #find} in the current bins, lock-free: for a kind's fast path. */
  @Nullable Entry find(Object key, int h) {
    return find(table, key, h);
  }

  /**
   * Finds the live entry that holds this very key object (by identity), or null. Needs no resize
   * check: an entry found is the entry, whatever a resize did meanwhile; only a miss is in doubt.
   */
  @Nullable Entry findSame(Object key, int h) {
    Entry[] t = table;
    for (Entry e = Entry.bin(t, h & (t.length - 1)); e != null; e = e.next) {
      if (e.hash == h && kind.holdsSame(e, key)) {
        return e;
      }
    }
    return null;
  }

  /** Finds the live entry for a key: lock-free, and under the lock if a resize may have hidden it. */
  private @Nullable Entry lookup(Object key) {
    int h = hash(key);
    // The usual hit, the caller's own key object, first: no resize check, no equals.
    Entry e = findSame(key, h);
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
        int m = stripe.stamp();
        e = find(t, key, h);
        if (!moved(stripe, t, m)) {
          return e;
        }
      }
    }
  }

  /**
   * For tests: the weak reference that is the live entry of {@code key}, or null.
   *
   * @param key the key
   * @return its entry
   */
  public java.lang.ref.@Nullable Reference<?> entryOf(Object key) {
    return lookup(key);
  }

  @SuppressWarnings("unchecked")
  @Nullable K keyOf(Entry e) {
    return (K) kind.keyOf(e);
  }

  @SuppressWarnings("unchecked")
  @Nullable V valueOf(Entry e) {
    return (V) kind.valueOf(e);
  }

  /* ---- Queries ---- */

  /**
   * Returns the live entry for a query key. A value-based key needs no check here: {@code put}
   * refuses them, so no entry can match one, and the lookup simply misses.
   */
  private @Nullable Entry query(@Nullable Object key) {
    return lookup(Objects.requireNonNull(key, "null key"));
  }

  /**
   * Returns the value of {@code key}, or null.
   *
   * @param key the key
   * @return its value
   */
  public @Nullable V get(@Nullable Object key) {
    Entry e = query(key);
    // For weak values the value may die between the match and this read: then it is absent.
    return e == null ? null : valueOf(e);
  }

  /**
   * Returns whether {@code key} is mapped.
   *
   * @param key the key
   * @return whether it is
   */
  public boolean containsKey(@Nullable Object key) {
    Entry e = query(key);
    // A weak-key entry whose value is null is being removed (see remove): absent, as get says.
    return e != null && valueOf(e) != null;
  }

  /**
   * Returns whether a live mapping has a value {@code equals} to {@code value}.
   *
   * @param value the value
   * @return whether one has
   */
  public boolean containsValue(@Nullable Object value) {
    Objects.requireNonNull(value, "null value");
    for (int s = 0; s < STRIPE_COUNT; s++) {
      Stripe stripe = stripes[s];
      // Under the lock: a resize relinks entries in place, and a lock-free walk could skip one.
      synchronized (stripe) {
        scan:
        for (;;) {
          Entry[] t = table;
          int m = stripe.stamp();
          for (int i = s; i < t.length; i += STRIPE_COUNT) {
            for (Entry e = t[i]; e != stripe.end; e = e.next) {
              Object v = valueOf(e);
              if (v != null) {
                int c = compare(stripe, t, m, value, v, false);
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
   *
   * @return the number of entries
   */
  public int size() {
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

  /**
   * For tests: whether a stripe is marked as being written (its {@code mods} odd).
   *
   * @return whether one is
   */
  public boolean writing() {
    for (Stripe stripe : stripes) {
      if ((stripe.mods & 1) != 0) {
        return true;
      }
    }
    return false;
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

  /**
   * Maps {@code key} to {@code value}; returns the previous value or null. With {@code onlyIfAbsent},
   * leaves a present mapping alone.
   *
   * @param key the key
   * @param value the value
   * @param onlyIfAbsent whether to leave a present mapping alone
   * @return the previous (or with {@code onlyIfAbsent} present) value, or null
   */
  public @Nullable V put(K key, V value, boolean onlyIfAbsent) {
    /*
     * The kind's lock-free path first (weak keys: a present key's value changes by CAS). A miss, or
     * an entry removed meanwhile, takes the locked path, which looks again. This method stays small
     * so that the JIT inlines it into the caller (the whole of it is over C2's limit for hot
     * methods); everything else is in putSlow.
     */
    if (key != null && value != null) {
      @Nullable Object old = kind.putSame(this, key, value, onlyIfAbsent);
      if (old != null) {
        @SuppressWarnings("unchecked")
        V v = (V) old;
        return v;
      }
    }
    return putSlow(key, value, onlyIfAbsent);
  }

  /** {@link #put} past the kind's lock-free replacement of the caller's own key object's value. */
  private @Nullable V putSlow(K key, V value, boolean onlyIfAbsent) {
    kind.check(key, value);
    int h = hash(key);
    @Nullable Object present = kind.putEqual(this, key, h, value, onlyIfAbsent);
    if (present != null) {
      @SuppressWarnings("unchecked")
      V v = (V) present;
      return v;
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
        int m = stripe.stamp();
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
            m = stripe.stamp();
            e = prev; // the update step keeps prev where it was
            continue;
          }
          if (e.hash == h && kind.matches(e, key)) {
            if (moved(stripe, t, m)) {
              continue scan;
            }
            V old = valueOf(e);
            if (old == null) {
              // Its value died since the check above: unlink it as above and treat it as absent,
              // or the new entry would be counted next to it (CPython 28427 again: seen in
              // ContainersContractTest, once in some 20,000 rounds, with a thread collecting).
              if (e.refersTo(null)) {
                purge(stripe, t, i, prev, e);
                m = stripe.stamp();
                e = prev;
              }
              continue;
            }
            if (onlyIfAbsent) {
              return old;
            }
            Object was = kind.putLocked(stripe, t, i, prev, e, value, old);
            if (was == null) {
              continue;
            }
            @SuppressWarnings("unchecked")
            V v = (V) was;
            return v;
          }
        }
        if (!moved(stripe, t, m)) {
          head = t[i];
          break; // a miss
        }
      }
      Entry added = kind.newEntry(key, value, h, head); // before mods goes odd: it may throw (OOME)
      stripe.holdEngine(); // so may this (no thread); the caller holds the weak side meanwhile
      stripe.mods = stripe.mods + 1; // odd: the entry is visible before the count has it
      Entry.setBin(t, i, added);
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
   * {@link Stripe#stamp} was {@code m}, may have gone stale. While the lock is held, only the
   * holder's own thread can link or unlink the stripe's entries or replace the table, and only from
   * the user's {@code equals}, re-entering this table: a resize (a new table), or an entry added,
   * removed or replaced (a new stamp). (Other threads may still CAS an entry's {@code strong}: the
   * CAS loops handle that.) The walk then starts over, as CPython's dict lookup does when
   * {@code __eq__} changes the dict.
   */
  boolean moved(Stripe stripe, Entry[] t, int m) {
    return table != t || stripe.stamp() != m;
  }

  /** {@link #compare}'s answers. */
  static final int MATCH = 0;
  static final int MISMATCH = 1;
  static final int STALE = 2;

  /**
   * Under the lock, walking {@code t} since the stripe's stamp was {@code m}: whether the value
   * {@code current} matches {@code expected} ({@code null} matches any; with {@code same}, by
   * identity only, and no user code runs), by the user's {@code equals} if need be; {@link #STALE}
   * if that {@code equals} changed the table (see {@link #moved}), and the walk must start over.
   */
  int compare(
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

  /**
   * Removes the mapping for {@code key} if its value matches ({@code null} matches any).
   *
   * @param key the key
   * @param expected the value expected, or null for any
   * @return the removed value, or null
   */
  public @Nullable V remove(@Nullable Object key, @Nullable Object expected) {
    return change(Objects.requireNonNull(key, "null key"), expected, false, null);
  }

  /**
   * Removes the mapping an iterator returned, only if it is still there: the entry holds this very
   * key object, and (unless {@code seen} is null) this very value object. A mapping replaced,
   * or removed and put again, since the caller saw it stays (JDK-8078645). Looked for under the
   * entry's own {@code hash}, not the key's hash now: a key whose {@code hashCode} changed since it
   * was put is removed all the same, as a {@code HashMap} iterator removes it.
   */
  boolean removeSeen(K key, int hash, @Nullable Object seen) {
    return change(key, hash, seen, true, null) != null;
  }

  /**
   * Throws as {@code put(key, value)} would for a {@code null} or a value-based weak side, without
   * changing anything: lets a bulk operation check every element before it puts the first.
   *
   * @param key the key
   * @param value the value
   */
  public void check(@Nullable Object key, @Nullable Object value) {
    kind.check(key, value);
  }

  /**
   * Replaces the value if the key is present and (unless {@code expected} is null) it matches.
   *
   * @param key the key
   * @param expected the value expected, or null for any
   * @param value the new value
   * @return the previous value, or null if none was replaced
   */
  public @Nullable V replace(K key, @Nullable Object expected, V value) {
    kind.check(key, value);
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
    return change(key, hash(key), expected, same, value);
  }

  /** {@link #change(Object, Object, boolean, Object)} under the (spread) hash {@code h}. */
  private @Nullable V change(
      Object key, int h, @Nullable Object expected, boolean same, @Nullable Object value) {
    Stripe stripe = stripeFor(h);
    synchronized (stripe) {
      scan:
      for (;;) {
        Entry[] t = table;
        int m = stripe.stamp();
        int i = h & (t.length - 1);
        Entry prev = null;
        for (Entry e = t[i]; e != null; prev = e, e = e.next) {
          if (e.hash == h && kind.matches(e, key)) {
            if (moved(stripe, t, m)) {
              continue scan;
            }
            if (same && !kind.isKeyObject(e, key)) {
              return null; // an equal key object, not the one seen: another mapping
            }
            Object old = kind.changeLocked(this, stripe, t, m, i, prev, e, expected, same, value);
            if (old == Kind.RETRY) {
              continue scan;
            }
            if (old == Kind.SKIP) {
              continue;
            }
            if (old == null) {
              return null;
            }
            if (value == null) {
              stripe.unlink(t, i, prev, e);
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
    Object strong = kind.takeStrong(dead);
    if (strong != null) {
      kept.add(strong);
    }
    Entry.link(t, i, prev, dead.next);
    stripe.count = stripe.count - 1;
    stripe.mods = stripe.mods + 1;
  }

  /** Removes every entry and shrinks the table back to its smallest size. */
  public void clear() {
    withAllLocks(0, () -> {
      // Allocated first: if that throws (OutOfMemoryError), nothing has changed.
      Entry[] empty = newTable(MIN_CAPACITY);
      for (Stripe stripe : stripes) {
        stripe.mods = stripe.mods + 1; // odd until every entry is gone
      }
      Entry[] t = table;
      for (int b = 0; b < t.length; b++) {
        for (Entry e = t[b], end = stripes[b & STRIPE_MASK].end; e != end; e = e.next) {
          kind.takeStrong(e); // removed: lock-free writers now fail their CAS
          e.clear();
        }
      }
      // Readers standing in the old table see the entries cleared: no resize stamp needed.
      table = empty;
      for (Stripe stripe : stripes) {
        stripe.count = 0;
        stripe.mods = stripe.mods + 1;
        stripe.releaseEngineIfEmpty();
      }
    });
  }

  /* ---- Reclamation ---- */

  /** On the engine thread: unlinks {@code dead} if it is still in the table, then notifies. */
  void reclaim(Stripe stripe, Entry dead) {
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
        strong = kind.takeStrong(dead);
        Entry.link(t, i, prev, dead.next);
        stripe.count = stripe.count - 1;
        stripe.mods = stripe.mods + 1;
      }
      stripe.releaseEngineIfEmpty(); // its strong sides are handed over below, on this thread
    }
    if (strong != null) {
      notifyListeners(strong);
    }
    if (purged != null) {
      for (int k = 0; k < purged.size(); k++) { // no iterator to allocate
        notifyListeners(purged.get(k));
      }
    }
    countReclaimed((strong != null ? 1 : 0) + (purged != null ? purged.size() : 0));
  }

  /**
   * On the engine thread: adds {@code n} entries to the batch's count, and the first time in a
   * batch has the engine run {@link #tellCount} once the batch is done.
   */
  private void countReclaimed(int n) {
    if (n == 0 || countListeners.isEmpty()) {
      return;
    }
    if (reclaimedInBatch == 0) {
      Entry.afterBatch(tellCount);
    }
    reclaimedInBatch += n;
  }

  private void tellCount() {
    int n = reclaimedInBatch;
    reclaimedInBatch = 0;
    List<IntConsumer> ls = countListeners.snapshot();
    for (int i = 0; i < ls.size(); i++) {
      IntConsumer l = ls.get(i);
      Entry.running(l);
      try {
        l.accept(n);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, l);
      }
    }
    Entry.running(null);
  }

  private void notifyListeners(Object strong) {
    List<Consumer<Object>> ls = listeners.snapshot();
    for (int i = 0; i < ls.size(); i++) {
      Consumer<Object> l = ls.get(i);
      Entry.running(l);
      try {
        l.accept(strong);
      } catch (Throwable t) {
        Reclaimer.reportUnraisable(t, l);
      }
    }
    if (!ls.isEmpty()) {
      Entry.running(null); // the listeners are done
    }
    kind.reportReclaimed(strong);
  }

  /**
   * Adds a listener for the strong side of each reclaimed entry, told on the engine thread.
   *
   * @param listener the listener
   * @return the registration that removes it
   */
  public ReclaimRegistration addListener(Consumer<Object> listener) {
    return listeners.add(listener);
  }

  /**
   * Adds a listener for the number of entries reclaimed, told once per batch of the engine's work
   * that reclaimed some, on the engine thread.
   *
   * @param listener the listener
   * @return the registration that removes it
   */
  public ReclaimRegistration addCountListener(IntConsumer listener) {
    return countListeners.add(listener);
  }

  /* ---- Iteration and views ---- */

  /** The entries of one stripe, copied under its lock, so that a resize cannot confuse us. */
  Entry[] snapshot(int s) {
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
   * Returns a weakly consistent iterator over the live keys; see {@link Cursor}.
   *
   * @return the iterator
   */
  public Cursor<K, V, K> keyIterator() {
    return Cursor.keys(this);
  }

  /**
   * Returns a weakly consistent iterator over the live values; see {@link Cursor}.
   *
   * @return the iterator
   */
  public Cursor<K, V, V> valueIterator() {
    return Cursor.values(this);
  }

  /**
   * Returns a view of the keys of this table, for a dictionary's {@code keySet()}.
   *
   * @return the view
   */
  public Set<K> keyView() {
    return new Views.SetView<>(this, false);
  }

  /**
   * Returns a view of the values of this table, for a dictionary's {@code values()}.
   *
   * @return the view
   */
  public Collection<V> valueView() {
    return new Views.ValueView<>(this);
  }

  /**
   * Returns a view of the mappings of this table, for a dictionary's {@code entrySet()}.
   *
   * @return the view
   */
  public Set<Map.Entry<K, V>> entryView() {
    return new Views.SetView<>(this, true);
  }
}
