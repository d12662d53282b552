package dev.weakref.internal.table;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Internal: a weakly consistent cursor over the live mappings of a {@link WeakTable}: each stripe's
 * entries as they were when the cursor reached it. Holds the key and value of the mapping it will
 * return next, and of the last one returned, strongly (whichever side is weak); never throws
 * {@code ConcurrentModificationException}. {@link #remove()} removes the last mapping only if it is
 * still there as returned (see {@link WeakTable#removeSeen}).
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 * @param <T> the type of elements: keys, values or entries
 */
public final class Cursor<K, V, T> implements Iterator<T> {
  /** What a cursor yields: see {@link #make}. */
  private static final int KEYS = 0;
  private static final int VALUES = 1;
  private static final int ENTRIES = 2;

  /**
   * What the spliterators of keys and entries report, as {@code ConcurrentHashMap}'s do: no
   * {@code SIZED}, which a table that shrinks as the collector clears entries cannot promise.
   */
  private static final int DISTINCT =
      Spliterator.CONCURRENT | Spliterator.DISTINCT | Spliterator.NONNULL;
  /** Values may repeat: not {@code DISTINCT}, as in {@code ConcurrentHashMap.values()}. */
  private static final int REPEATING = Spliterator.CONCURRENT | Spliterator.NONNULL;

  private final WeakTable<K, V> table;
  private final int yields;
  private final int characteristics;
  private int stripe;
  private Entry[] entries = new Entry[0];
  private int index;
  private @Nullable K nextKey;
  private @Nullable V nextValue;
  private int nextHash;
  private @Nullable K lastKey;
  private int lastHash;
  /** Held so that the weak side of the last mapping returned stays alive (keys or values). */
  private @Nullable V lastValue;
  private @Nullable T last;

  private Cursor(WeakTable<K, V> table, int yields, int characteristics) {
    this.table = table;
    this.yields = yields;
    this.characteristics = characteristics;
    advance();
  }

  /** Keys: {@code remove()} removes the key seen, whatever its value is now. */
  static <K, V> Cursor<K, V, K> keys(WeakTable<K, V> table) {
    return new Cursor<>(table, KEYS, DISTINCT);
  }

  /** Values: {@code remove()} removes the mapping only if it still has the value seen. */
  static <K, V> Cursor<K, V, V> values(WeakTable<K, V> table) {
    return new Cursor<>(table, VALUES, REPEATING);
  }

  /** Entries: {@code remove()} removes the mapping only if it still has the value last seen. */
  static <K, V> Cursor<K, V, Map.Entry<K, V>> entries(WeakTable<K, V> table) {
    return new Cursor<>(table, ENTRIES, DISTINCT);
  }

  /** A map entry that writes {@link #setValue} through to the table. */
  private static final class WriteThroughEntry<K, V> extends AbstractMap.SimpleEntry<K, V> {
    private final WeakTable<K, V> table;

    WriteThroughEntry(WeakTable<K, V> table, K key, V value) {
      super(key, value);
      this.table = table;
    }

    @Override
    public V setValue(V value) {
      table.put(getKey(), value, false); // checks the value as any put does
      return super.setValue(value);
    }
  }

  private void advance() {
    for (;;) {
      while (index < entries.length) {
        Entry e = entries[index];
        entries[index++] = null; // do not keep entries behind us reachable
        K k = table.keyOf(e);
        V v = table.valueOf(e);
        if (k != null && v != null) {
          nextKey = k;
          nextValue = v;
          nextHash = e.hash;
          return;
        }
      }
      if (stripe == WeakTable.STRIPE_COUNT) {
        nextKey = null;
        nextValue = null;
        return;
      }
      entries = table.snapshot(stripe++);
      index = 0;
    }
  }

  @Override
  public boolean hasNext() {
    return nextKey != null;
  }

  @SuppressWarnings("unchecked")
  private T make(K key, V value) {
    return (T) (yields == KEYS ? key : yields == VALUES ? value
        : new WriteThroughEntry<>(table, key, value));
  }

  /**
   * The value that {@link #remove()} expects to find with the last key, or null for any: the
   * value the caller has seen with it (for an entry, its own {@code setValue} included).
   */
  private @Nullable Object seen(T last, V value) {
    return yields == KEYS ? null : yields == VALUES ? value : ((Map.Entry<?, ?>) last).getValue();
  }

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
    lastHash = nextHash;
    last = t;
    advance();
    return t;
  }

  @Override
  public void remove() {
    removeLast();
  }

  /** {@link #remove()}, saying whether the mapping was still there (and is now removed). */
  private boolean removeLast() {
    K k = lastKey;
    V v = lastValue;
    T t = last;
    if (k == null || v == null || t == null) {
      throw new IllegalStateException("next() not called, or remove() already called");
    }
    lastKey = null;
    lastValue = null;
    last = null;
    return table.removeSeen(k, lastHash, seen(t, v));
  }

  /**
   * {@code removeIf} of the views: removes each remaining element that {@code filter} accepts, if
   * its mapping is still there as the filter saw it.
   *
   * @param filter says which to remove
   * @return whether any was removed
   */
  public boolean removeIf(Predicate<? super T> filter) {
    Objects.requireNonNull(filter, "null filter");
    boolean removed = false;
    while (hasNext()) {
      if (filter.test(next()) && removeLast()) {
        removed = true;
      }
    }
    return removed;
  }

  /**
   * Returns a spliterator over the remaining elements: {@code CONCURRENT}, {@code NONNULL} and but
   * for values {@code DISTINCT}; never {@code SIZED}.
   *
   * @return the spliterator
   */
  public Spliterator<T> spliterator() {
    return Spliterators.spliteratorUnknownSize(this, characteristics);
  }
}
