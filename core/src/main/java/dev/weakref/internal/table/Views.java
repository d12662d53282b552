package dev.weakref.internal.table;

import java.util.AbstractCollection;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Spliterator;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The key, value and entry views of the weak dictionaries, over their {@link WeakTable}: each
 * iterates with a {@link Cursor}, and changes the table itself (clearing a view clears the table,
 * as {@code Map.clear()} does).
 */
final class Views {
  private Views() {}

  /** The key set ({@code entries} false) or the entry set of a weak dictionary. */
  static final class SetView<K, V, T> extends AbstractSet<T> {
    private final WeakTable<K, V> table;
    private final boolean entries;

    SetView(WeakTable<K, V> table, boolean entries) {
      this.table = table;
      this.entries = entries;
    }

    @SuppressWarnings("unchecked")
    private Cursor<K, V, T> cursor() {
      return (Cursor<K, V, T>) (entries ? Cursor.entries(table) : Cursor.keys(table));
    }

    @Override
    public Iterator<T> iterator() {
      return cursor();
    }

    @Override
    public Spliterator<T> spliterator() {
      return cursor().spliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super T> filter) {
      return cursor().removeIf(filter);
    }

    @Override
    public int size() {
      return table.size();
    }

    @Override
    public boolean contains(@Nullable Object o) {
      if (!entries) {
        return table.containsKey(o);
      }
      if (!(o instanceof Map.Entry<?, ?> e) || e.getKey() == null || e.getValue() == null) {
        return false;
      }
      Object v = table.get(e.getKey());
      return v != null && v.equals(e.getValue());
    }

    @Override
    public boolean remove(@Nullable Object o) {
      if (!entries) {
        return table.remove(o, null) != null;
      }
      if (!(o instanceof Map.Entry<?, ?> e) || e.getKey() == null || e.getValue() == null) {
        return false;
      }
      return table.remove(e.getKey(), e.getValue()) != null;
    }

    @Override
    public void clear() {
      table.clear();
    }
  }

  /** The values of a weak dictionary. */
  static final class ValueView<K, V> extends AbstractCollection<V> {
    private final WeakTable<K, V> table;

    ValueView(WeakTable<K, V> table) {
      this.table = table;
    }

    @Override
    public Iterator<V> iterator() {
      return Cursor.values(table);
    }

    @Override
    public Spliterator<V> spliterator() {
      return Cursor.values(table).spliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super V> filter) {
      return Cursor.values(table).removeIf(filter);
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
      table.clear();
    }
  }
}
