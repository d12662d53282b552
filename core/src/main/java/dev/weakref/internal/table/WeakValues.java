package dev.weakref.internal.table;

import dev.weakref.internal.engine.ReclaimEvents;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The kind of {@code WeakValueDictionary}: the value is the weak side, keys compare by
 * {@code equals}. A value changes by replacing its entry with a new one (a reference's referent
 * cannot change), under the lock.
 */
final class WeakValues extends Kind {
  WeakValues(Consumer<Object> admission) {
    super(false, admission);
  }

  @Override
  void check(@Nullable Object key, @Nullable Object value) {
    Objects.requireNonNull(key, "null key");
    admission.accept(value);
  }

  @Override
  boolean matches(Entry e, Object key) {
    if (e.refersTo(null)) {
      return false; // a dead value, or the end marker
    }
    Object k = e.strong;
    return k == key || (k != null && key.equals(k));
  }

  @Override
  boolean holdsSame(Entry e, Object key) {
    return e.strong == key && !e.refersTo(null);
  }

  @Override
  boolean isKeyObject(Entry e, Object key) {
    return e.strong == key;
  }

  @Override
  @Nullable Object keyOf(Entry e) {
    return e.strong;
  }

  @Override
  @Nullable Object valueOf(Entry e) {
    return e.get();
  }

  @Override
  Entry newEntry(Object key, Object value, int h, Entry next) {
    return new Entry(value, h, key, next);
  }

  @Override
  @Nullable Object putSame(WeakTable<?, ?> table, Object key, Object value, boolean onlyIfAbsent) {
    return null; // a value changes under the lock only
  }

  @Override
  @Nullable Object putEqual(WeakTable<?, ?> table, Object key, int h, Object value,
      boolean onlyIfAbsent) {
    return null;
  }

  @Override
  Object putLocked(Stripe stripe, Entry[] t, int i, @Nullable Entry prev, Entry e, Object value,
      Object old) {
    if (!e.refersTo(value)) {
      // Not cleared: a reader standing on e may still return its value, linearized before this
      // put. The entry keeps its key object, as a dict and a HashMap do.
      stripe.relink(t, i, prev, new Entry(value, e.hash, e.strong, e.next));
    }
    return old;
  }

  @Override
  @Nullable Object changeLocked(WeakTable<?, ?> table, Stripe stripe, Entry[] t, int m, int i,
      @Nullable Entry prev, Entry e, @Nullable Object expected, boolean same,
      @Nullable Object value) {
    Object old = e.get();
    if (old == null) {
      return SKIP; // its value died just now: treat as absent
    }
    int c = table.compare(stripe, t, m, expected, old, same);
    if (c == WeakTable.STALE) {
      return RETRY;
    }
    if (c == WeakTable.MISMATCH) {
      return null;
    }
    if (value == null) {
      stripe.mods = stripe.mods + 1; // odd, as WeakKeys leaves it for a removal
    } else if (!e.refersTo(value)) {
      stripe.relink(t, i, prev, new Entry(value, e.hash, e.strong, e.next)); // as in putLocked
    }
    return old;
  }

  @Override
  @Nullable Object takeStrong(Entry dead) {
    return dead.strong;
  }

  @Override
  void reportReclaimed(Object strong) {
    ReclaimEvents.entryReclaimed(false, false);
  }
}
