package dev.weakref;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe map that holds its values weakly: a mapping disappears once its value is reclaimed.
 *
 * <p>Python: {@code weakref.WeakValueDictionary}. Use it for caches and registries of objects owned
 * elsewhere (the Python docs' {@code id2obj}): a lookup finds the object while someone else uses it.
 * Keys are held strongly and compare by {@code equals}/{@code hashCode}; values by {@code equals}
 * where a method needs it ({@code containsValue}, {@code remove(key, value)}).
 *
 * <p><b>After reclamation.</b> Once a value is only weakly reachable (see {@link java.lang.ref}), the
 * collector clears it; lookups and iterators no longer see the mapping at once, and the engine thread
 * {@code weakref-reclaimer} then unlinks it, so {@link #size()} no longer counts it after
 * {@link dev.weakref.engine.Reclaimer#collect()}. Listeners registered with {@link #onReclaim} then
 * get the key, on that thread; what they throw goes to the unraisable hook.
 *
 * <p><b>Concurrency.</b> All operations are thread-safe and follow the {@link ConcurrentMap}
 * contracts; reads take no lock. Iterators and views are weakly consistent: they never throw
 * {@code ConcurrentModificationException}, never yield {@code null} or a reclaimed value, and hold
 * the mapping they returned last (and the one they will return next) strongly. Actions of a thread
 * before it puts a mapping <i>happen-before</i> the actions of a thread that reads it.
 *
 * <p>{@code null} keys and values are refused with {@code NullPointerException}; values of JDK
 * value-based classes ({@code Integer}, {@code LocalDate}…) with {@code IllegalArgumentException}
 * (as Python refuses {@code int}).
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class WeakValueDictionary<K, V> extends AbstractMap<K, V> implements ConcurrentMap<K, V> {
  private final WeakTable<K, V> table;
  private @Nullable Set<K> keySet;
  private @Nullable Set<Map.Entry<K, V>> entrySet;

  /**
   * Creates an empty dictionary.
   *
   * <p>Python: {@code WeakValueDictionary()}.
   */
  public WeakValueDictionary() {
    this.table = new WeakTable<>(false, false);
  }

  /**
   * Creates a dictionary with the mappings of {@code map}.
   *
   * <p>Python: {@code WeakValueDictionary(dict)}.
   *
   * @param map the mappings to copy
   * @throws NullPointerException if {@code map} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a value is of a JDK value-based class
   */
  public WeakValueDictionary(Map<? extends K, ? extends V> map) {
    this();
    putAll(map);
  }

  /**
   * Returns the number of mappings whose value has not been unlinked after reclamation.
   *
   * <p>Python: {@code len(d)}. A value reclaimed by the collector may be counted until the engine
   * thread has unlinked it, which {@link dev.weakref.engine.Reclaimer#collect()} waits for.
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
   * Returns whether some key maps to a live value {@code equals} to {@code value}. Scans all
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
   * Maps {@code key} to {@code value}, holding the key strongly and the value weakly.
   *
   * <p>Python: {@code d[key] = value}.
   *
   * @param key the key
   * @param value the value
   * @return the previous value, or {@code null}
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   * @throws IllegalArgumentException if {@code value} is of a JDK value-based class
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
   * @throws IllegalArgumentException if {@code value} is of a JDK value-based class
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
   * Replaces the value of {@code key} if it is mapped.
   *
   * @param key the key
   * @param value the new value
   * @return the previous value, or {@code null} if the key was not mapped
   * @throws NullPointerException if {@code key} or {@code value} is {@code null}
   * @throws IllegalArgumentException if {@code value} is of a JDK value-based class
   */
  @Override
  public @Nullable V replace(K key, V value) {
    return table.replace(key, null, value);
  }

  /**
   * Replaces the value of {@code key} if it is mapped to a value {@code equals} to {@code oldValue}.
   *
   * @param key the key
   * @param oldValue the expected value
   * @param newValue the new value
   * @return whether it was replaced
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if {@code newValue} is of a JDK value-based class
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
   * Returns a view of the keys whose values are alive; removing from it removes mappings. Weakly
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

  /**
   * Returns weak references to the live values, as a new list.
   *
   * <p>Python: {@code d.valuerefs()}. The entries themselves are lighter internal references, so the
   * list is built on demand: a new {@code WeakRef} to each of the values alive now, which the engine
   * does not track (not counted by {@code getWeakRefCount}, never the shared ref).
   * The references may die at any time: check {@link WeakRef#get()}.
   *
   * @return a list of weak references to the values
   */
  public List<WeakRef<V>> valueRefs() {
    return table.valueRefs();
  }

  /**
   * Returns a new dictionary with this dictionary's mappings,
   * updated by those of {@code other}.
   *
   * <p>Python: {@code d | other}. Kotlin: {@code d + other}.
   *
   * @param other the mappings that win
   * @return a new dictionary
   * @throws NullPointerException if {@code other} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a value of {@code other} is of a JDK value-based class
   */
  public WeakValueDictionary<K, V> union(Map<? extends K, ? extends V> other) {
    Objects.requireNonNull(other, "null map");
    WeakValueDictionary<K, V> result = new WeakValueDictionary<>();
    result.putAll(this);
    result.putAll(other);
    return result;
  }

  /**
   * Registers {@code listener} to receive the key of each mapping removed because its value was
   * reclaimed.
   *
   * <p>Python: none (Python users subclass or poll). The listener runs on the engine thread
   * {@code weakref-reclaimer}, once per reclaimed value, after the mapping is gone; it must be quick.
   * What it throws goes to the unraisable hook. Mappings removed by a caller are not reported.
   *
   * @param listener receives each key whose value was reclaimed
   * @return a registration whose {@code close()} removes the listener
   * @throws NullPointerException if {@code listener} is {@code null}
   */
  @SuppressWarnings("unchecked")
  public ReclaimRegistration onReclaim(Consumer<? super K> listener) {
    return table.addListener((Consumer<Object>) listener);
  }
}
