package dev.weakref.internal.table;

import java.util.AbstractCollection;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Spliterator;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** The key, value and entry views of the weak dictionaries, over their {@link WeakTable}. */
final class Views {
  private Views() {}

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
      return Cursor.keys(table);
    }

    @Override
    public Spliterator<K> spliterator() {
      return Cursor.keys(table).spliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super K> filter) {
      return Cursor.keys(table).removeIf(filter);
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
      return Cursor.entries(table);
    }

    @Override
    public Spliterator<Map.Entry<K, V>> spliterator() {
      return Cursor.entries(table).spliterator();
    }

    @Override
    public boolean removeIf(Predicate<? super Map.Entry<K, V>> filter) {
      return Cursor.entries(table).removeIf(filter);
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
