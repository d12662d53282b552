package dev.weakref.internal.table;

import dev.weakref.internal.engine.ReclaimEvents;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The kind of {@code WeakKeyDictionary} and {@code WeakSet}: the key is the weak side.
 *
 * <p>The value of an entry changes only by CAS of {@code strong}, with or without the lock, and an
 * entry leaves the table only after a lock holder has CASed its {@code strong} to null (remove,
 * reclaim, clear). A null {@code strong} thus means "removed" to every reader, and a CAS that
 * succeeds on a non-null {@code strong} happened while the entry was in the table. So replacing
 * the value of a present key takes no lock.
 */
final class WeakKeys extends Kind {
  WeakKeys(boolean identity, Consumer<Object> admission) {
    super(identity, admission);
  }

  @Override
  void check(@Nullable Object key, @Nullable Object value) {
    admission.accept(key);
    Objects.requireNonNull(value, "null value");
  }

  @Override
  boolean matches(Entry e, Object key) {
    if (e.refersTo(key)) {
      return true;
    }
    if (identity) {
      return false;
    }
    Object k = e.get();
    return k != null && key.equals(k);
  }

  @Override
  boolean holdsSame(Entry e, Object key) {
    return e.refersTo(key);
  }

  @Override
  boolean isKeyObject(Entry e, Object key) {
    return e.refersTo(key);
  }

  @Override
  @Nullable Object keyOf(Entry e) {
    return e.get();
  }

  @Override
  @Nullable Object valueOf(Entry e) {
    return e.strong;
  }

  @Override
  Entry newEntry(Object key, Object value, int h, Entry next) {
    return new Entry(key, h, value, next);
  }

  @Override
  @Nullable Object putSame(WeakTable<?, ?> table, Object key, Object value, boolean onlyIfAbsent) {
    // An entry holding this very key object needs no check: that object passed it when it went in.
    return setPresent(table.findSame(key, table.hash(key)), value, onlyIfAbsent);
  }

  @Override
  @Nullable Object putEqual(WeakTable<?, ?> table, Object key, int h, Object value,
      boolean onlyIfAbsent) {
    return identity ? null : setPresent(table.find(key, h), value, onlyIfAbsent);
  }

  /**
   * Without the lock: sets (or with {@code onlyIfAbsent} reads) the value of an entry found by a
   * lock-free lookup; returns the previous value, or null if there was no entry or it was removed
   * (the caller then takes the locked path).
   */
  private static @Nullable Object setPresent(@Nullable Entry e, Object value, boolean onlyIfAbsent) {
    if (e == null) {
      return null;
    }
    return onlyIfAbsent ? e.strong : setStrong(e, value);
  }

  /** Sets the value of an entry; returns the previous one, or null if it was removed. */
  private static @Nullable Object setStrong(Entry e, Object value) {
    for (;;) {
      Object s = e.strong;
      if (s == null || Entry.STRONG.weakCompareAndSet(e, s, value)) {
        return s;
      }
    }
  }

  @Override
  @Nullable Object putLocked(Stripe stripe, Entry[] t, int i, @Nullable Entry prev, Entry e,
      Object value, Object old) {
    return setStrong(e, value); // null cannot happen under the lock: only lock holders remove
  }

  @Override
  @Nullable Object changeLocked(WeakTable<?, ?> table, Stripe stripe, Entry[] t, int m, int i,
      @Nullable Entry prev, Entry e, @Nullable Object expected, boolean same,
      @Nullable Object value) {
    for (;;) {
      Object s = e.strong;
      if (s == null) {
        return null;
      }
      int c = table.compare(stripe, t, m, expected, s, same);
      if (c != WeakTable.MATCH) {
        return c == WeakTable.STALE ? RETRY : null;
      }
      if (value != null) {
        if (Entry.STRONG.weakCompareAndSet(e, s, value)) {
          return s;
        }
        continue; // a lock-free put replaced the value meanwhile: look again
      }
      // Readers see "removed" once strong is null, before the count has it: mods odd first.
      stripe.mods = stripe.mods + 1;
      if (Entry.STRONG.compareAndSet(e, s, null)) {
        return s;
      }
      stripe.mods = stripe.mods + 1; // a lock-free put replaced the value meanwhile: look again
      m = stripe.stamp();
    }
  }

  @Override
  @Nullable Object takeStrong(Entry dead) {
    // Take the value, so that a lock-free put that found the entry before its key died fails its
    // CAS and takes the locked path.
    return Entry.STRONG.getAndSet(dead, null);
  }

  @Override
  void reportReclaimed(Object strong) {
    ReclaimEvents.entryReclaimed(true, strong == WeakTable.PRESENT);
  }
}
