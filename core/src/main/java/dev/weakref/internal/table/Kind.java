package dev.weakref.internal.table;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What differs between the kinds of {@link WeakTable}: which side of a mapping is weak, how a key
 * matches, how a value changes. One final subclass per kind ({@link WeakKeys}, {@link WeakValues});
 * the table holds its kind in a final field, so each call site sees at most the kinds in use (one
 * in most programs), and the JIT inlines them.
 *
 * <p>To add a kind: subclass this (the weak side, the admission check, the locked and lock-free
 * updates of a matched entry), add a factory to {@link WeakTable}, and a
 * {@link dev.weakref.engine.ReclaimEvent.Kind} if its reclaims are reported apart.
 */
abstract class Kind {
  /** Whether keys compare (and hash) by identity rather than {@code equals}. */
  final boolean identity;
  /** Throws for an object that may not be the weak side: the library's admission rule. */
  final Consumer<Object> admission;

  Kind(boolean identity, Consumer<Object> admission) {
    this.identity = identity;
    this.admission = admission;
  }

  /** What {@link #changeLocked} returns when the walk must start over (see {@link WeakTable#moved}). */
  static final Object RETRY = new Object();
  /** What {@link #changeLocked} returns when the entry's weak value died: go on along the chain. */
  static final Object SKIP = new Object();

  /** Checks a key and a value before they go in; throws if they may not. */
  abstract void check(@Nullable Object key, @Nullable Object value);

  /**
   * Whether {@code e} is a live entry for {@code key}. An end marker (hash 0) never matches and
   * never reaches user {@code equals}: its weak side is {@code null}, which every kind tests before
   * calling {@code equals}.
   */
  abstract boolean matches(Entry e, Object key);

  /** Whether {@code e} is a live entry holding this very key object. */
  abstract boolean holdsSame(Entry e, Object key);

  /** Whether {@code e}, which matched {@code key}, holds this very key object. */
  abstract boolean isKeyObject(Entry e, Object key);

  /** The key of an entry, or null if it died. */
  abstract @Nullable Object keyOf(Entry e);

  /** The value of an entry, or null if it died (or was removed). */
  abstract @Nullable Object valueOf(Entry e);

  abstract Entry newEntry(Object key, Object value, int h, Entry next);

  /**
   * Without the lock, {@code put}'s fast path: sets (or with {@code onlyIfAbsent} reads) the value
   * of an entry holding this very key object; returns the previous value, or null to take the
   * locked path. Keys and values are non-null, not yet checked.
   */
  abstract @Nullable Object putSame(WeakTable<?, ?> table, Object key, Object value,
      boolean onlyIfAbsent);

  /** As {@link #putSame} for an equal key of hash {@code h}, once the key and value are checked. */
  abstract @Nullable Object putEqual(WeakTable<?, ?> table, Object key, int h, Object value,
      boolean onlyIfAbsent);

  /**
   * Under the lock, {@code put} found {@code e} (at {@code prev}'s successor in bin {@code i}) with
   * the live value {@code old}: sets its value to {@code value}; returns the previous value, or null
   * if the entry went meanwhile (the walk goes on).
   */
  abstract @Nullable Object putLocked(Stripe stripe, Entry[] t, int i, @Nullable Entry prev,
      Entry e, Object value, Object old);

  /**
   * Under the lock of {@code stripe}, walking {@code t} since its stamp was {@code m}: if the value
   * of {@code e} matches {@code expected} ({@code null} matches any; with {@code same} by identity
   * only), replaces it by {@code value}, or with a null {@code value} takes it for a removal,
   * leaving the stripe's {@code mods} odd for {@link Stripe#unlink}. Returns the old value, null if
   * it did not match, {@link #RETRY} or {@link #SKIP}. The user's {@code equals} runs while
   * {@code mods} is even, so that an exception from it leaves the stripe as it was.
   */
  abstract @Nullable Object changeLocked(WeakTable<?, ?> table, Stripe stripe, Entry[] t, int m,
      int i, @Nullable Entry prev, Entry e, @Nullable Object expected, boolean same,
      @Nullable Object value);

  /** Under the lock, as {@code dead} leaves the table: its strong side, or null. */
  abstract @Nullable Object takeStrong(Entry dead);

  /** On the engine thread: reports to the engine's listeners the reclaim of an entry. */
  abstract void reportReclaimed(Object strong);
}
