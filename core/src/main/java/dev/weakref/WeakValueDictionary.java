package dev.weakref;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

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
 * the mapping they returned last (and the one they will return next) strongly.
 * {@code Iterator.remove()} and {@code removeIf} on the views remove a mapping only if it is still
 * there as the iterator returned it (the same key object and, for values and entries, the same
 * value object): one replaced meanwhile stays. Their spliterators report {@code CONCURRENT},
 * {@code NONNULL} and, but for {@code values()}, {@code DISTINCT}; not {@code SIZED}, as the size
 * may drop while they run. Actions of a thread
 * before it puts a mapping <i>happen-before</i> the actions of a thread that reads it.
 *
 * <p>As in {@code ConcurrentHashMap}, the keys' {@code equals}, and in {@code remove(key, value)},
 * {@code replace(key, old, new)} and {@code containsValue} the given value's, may run while the
 * dictionary holds one of its internal locks. An {@code equals} that changes this same dictionary
 * loses nothing: the operation that called it looks again, as Python's {@code dict} does (so one
 * that changes it on every call never lets the operation finish). But an {@code equals} that uses
 * the dictionary while other threads use it too can deadlock.
 *
 * <p>{@code null} keys and values are refused with {@code NullPointerException}; values of JDK
 * value-based classes ({@code Integer}, {@code LocalDate}…) with {@code IllegalArgumentException}
 * (as Python refuses {@code int}).
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class WeakValueDictionary<K, V> extends AbstractWeakDictionary<K, V> {

  /**
   * Creates an empty dictionary.
   *
   * <p>Python: {@code WeakValueDictionary()}.
   */
  public WeakValueDictionary() {
    super(new WeakTable<>(false, false));
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
