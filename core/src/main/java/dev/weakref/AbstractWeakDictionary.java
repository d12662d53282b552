package dev.weakref;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code ConcurrentMap} shared by {@link WeakKeyDictionary} and {@link WeakValueDictionary}:
 * every operation delegates to one {@link WeakTable}, whose entries are the weak references. The two
 * public classes differ only in which side is weak, and in their Python-specific extras.
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
abstract class AbstractWeakDictionary<K, V> extends AbstractMap<K, V>
    implements ConcurrentMap<K, V> {
  final WeakTable<K, V> table;
  private @Nullable Set<K> keySet;
  private @Nullable Set<Map.Entry<K, V>> entrySet;
  private @Nullable Collection<V> values;

  AbstractWeakDictionary(WeakTable<K, V> table) {
    this.table = table;
  }

  /**
   * Returns the number of mappings whose weak side has not been unlinked after reclamation.
   *
   * <p>Python: {@code len(d)}. A key (or value) reclaimed by the collector may be counted until the engine
   * thread has unlinked it, which {@link dev.weakref.engine.Reclaimer#collect()} waits for; but
   * never next to a mapping of the same key put since (a key has one mapping).
   *
   * @return the number of mappings
   */
  @Override
  public int size() {
    return table.size();
  }

  /**
   * Returns whether this dictionary has no mappings.
   *
   * @return {@code size() == 0}
   */
  @Override
  public boolean isEmpty() {
    return table.size() == 0;
  }

  /**
   * Returns the value mapped to {@code key}, or {@code null} if there is none.
   *
   * <p>Python: {@code d.get(key)}.
   *
   * @param key the key to look up
   * @return its value, or {@code null}
   * @throws NullPointerException if {@code key} is {@code null}
   */
  @Override
  public @Nullable V get(@Nullable Object key) {
    return table.get(key);
  }

  /**
   * Returns whether {@code key} is mapped.
   *
   * <p>Python: {@code key in d}.
   *
   * @param key the key to look up
   * @return whether it has a mapping
   * @throws NullPointerException if {@code key} is {@code null}
   */
  @Override
  public boolean containsKey(@Nullable Object key) {
    return table.containsKey(key);
  }

  /**
   * Returns whether some live mapping has a value {@code equals} to {@code value}. Scans all
   * mappings.
   *
   * @param value the value to look for
   * @return whether it is mapped
   * @throws NullPointerException if {@code value} is {@code null}
   */
  @Override
  public boolean containsValue(@Nullable Object value) {
    return table.containsValue(value);
  }

  /**
   * Maps {@code key} to {@code value}, holding the weak side (the key of a {@link WeakKeyDictionary},
   * the value of a {@link WeakValueDictionary}) weakly and the other strongly.
   *
   * <p>Python: {@code d[key] = value}. If an equal key is already there, that key object stays and
   * only its value changes, as in a {@code dict} and a {@code HashMap}.
   *
   * @param key the key
   * @param value the value
   * @return the previous value, or {@code null}
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   * @throws IllegalArgumentException if the weak side is of a JDK value-based class
   */
  @Override
  public @Nullable V put(K key, V value) {
    return table.put(key, value, false);
  }

  /**
   * Maps {@code key} to {@code value} unless it is already mapped.
   *
   * <p>Python: {@code d.setdefault(key, value)} (which returns the value in effect instead).
   *
   * @param key the key
   * @param value the value
   * @return the present value, or {@code null} if {@code value} was put
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   * @throws IllegalArgumentException if the weak side is of a JDK value-based class
   */
  @Override
  public @Nullable V putIfAbsent(K key, V value) {
    return table.put(key, value, true);
  }

  /**
   * Removes the mapping for {@code key}.
   *
   * <p>Python: {@code d.pop(key, None)}.
   *
   * @param key the key
   * @return the removed value, or {@code null} if there was none
   * @throws NullPointerException if {@code key} is {@code null}
   */
  @Override
  public @Nullable V remove(@Nullable Object key) {
    return table.remove(key, null);
  }

  /**
   * Removes the mapping for {@code key} if its value is {@code equals} to {@code value}.
   *
   * @param key the key
   * @param value the expected value
   * @return whether it was removed
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   */
  @Override
  public boolean remove(@Nullable Object key, @Nullable Object value) {
    Objects.requireNonNull(value, "null value");
    return table.remove(key, value) != null;
  }

  /**
   * Replaces the value of {@code key} if it is mapped. The key object already there stays.
   *
   * @param key the key
   * @param value the new value
   * @return the previous value, or {@code null} if the key was not mapped
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   * @throws IllegalArgumentException if the weak side is of a JDK value-based class
   */
  @Override
  public @Nullable V replace(K key, V value) {
    return table.replace(key, null, value);
  }

  /**
   * Replaces the value of {@code key} if it is mapped to a value {@code equals} to {@code oldValue}.
   * The key object already there stays.
   *
   * @param key the key
   * @param oldValue the expected value
   * @param newValue the new value
   * @return whether it was replaced
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if the weak side is of a JDK value-based class
   */
  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    Objects.requireNonNull(oldValue, "null value");
    return table.replace(key, oldValue, newValue) != null;
  }

  /** Removes every mapping. Python: {@code d.clear()}. */
  @Override
  public void clear() {
    table.clear();
  }

  /**
   * Returns a view of the keys of live mappings; removing from it removes mappings. Weakly
   * consistent.
   *
   * <p>Python: {@code d.keys()}.
   *
   * @return the key set view
   */
  @Override
  public Set<K> keySet() {
    Set<K> ks = keySet;
    return ks != null ? ks : (keySet = new WeakTable.KeyView<>(this, table));
  }

  /**
   * Returns a view of the values of live mappings; removing from it removes mappings. Weakly
   * consistent.
   *
   * <p>Python: {@code d.values()}.
   *
   * @return the values view
   */
  @Override
  public Collection<V> values() {
    Collection<V> vs = values;
    return vs != null ? vs : (values = new WeakTable.ValueView<>(this, table));
  }

  /**
   * Returns a view of the live mappings; {@code setValue} on its entries writes through.
   *
   * <p>Python: {@code d.items()}.
   *
   * @return the entry set view
   */
  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    Set<Map.Entry<K, V>> es = entrySet;
    return es != null ? es : (entrySet = new WeakTable.EntryView<>(this, table));
  }
}
