package dev.weakref;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * A thread-safe map that holds its keys weakly: a mapping disappears once its key is reclaimed.
 *
 * <p>Python: {@code weakref.WeakKeyDictionary}. Use it to attach data to objects owned by someone
 * else (a side table) without keeping them alive. Keys compare by {@code equals}/{@code hashCode},
 * as Python dicts do; {@link #identity()} makes one that compares keys by identity instead, as
 * Guava's and Caffeine's weak keys do. Values are held strongly.
 *
 * <p><b>After reclamation.</b> Once a key is only weakly reachable (see {@link java.lang.ref}), the
 * collector clears it; lookups and iterators no longer see the mapping at once, and the engine thread
 * {@code weakref-reclaimer} then unlinks it, so {@link #size()} no longer counts it after
 * {@link dev.weakref.engine.Reclaimer#collect()}. Listeners registered with {@link #onReclaim} then
 * get the value, on that thread; what they throw goes to the unraisable hook.
 *
 * <p><b>Warning:</b> a value that refers to its own key, directly or not, keeps the key strongly
 * reachable through this map, so the mapping never goes away: the same leak as in Python and
 * {@link java.util.WeakHashMap}. Refer back to the key through a {@link WeakRef} instead.
 *
 * <p><b>Concurrency.</b> All operations are thread-safe and follow the {@link ConcurrentMap}
 * contracts; reads take no lock, nor does replacing the value of a present key. Iterators and
 * views are weakly consistent: they never throw {@code ConcurrentModificationException}, never
 * yield {@code null} or a reclaimed key, and hold the mapping they returned last (and the one they
 * will return next) strongly. {@code Iterator.remove()} and {@code removeIf} on the views remove a
 * mapping only if it is still there as the iterator returned it (the same key object and, for
 * values and entries, the same value object): one replaced meanwhile stays. Their spliterators
 * report {@code CONCURRENT}, {@code NONNULL} and, but for {@code values()}, {@code DISTINCT}; not
 * {@code SIZED}, as the size may drop while they run. Actions of a thread
 * before it puts a mapping <i>happen-before</i> the actions of a thread that reads it.
 *
 * <p>As in {@code ConcurrentHashMap}, the keys' {@code equals} (never called by an
 * {@link #identity()} dictionary), and in {@code remove(key, value)}, {@code replace(key, old, new)}
 * and {@code containsValue} the given value's, may run while the dictionary holds one of its
 * internal locks. An {@code equals} that changes this same dictionary loses nothing: the operation
 * that called it looks again, as Python's {@code dict} does (so one that changes it on every call
 * never lets the operation finish). But an {@code equals} that uses the dictionary while other
 * threads use it too can deadlock.
 *
 * <p>{@code null} keys and values are refused with {@code NullPointerException}; keys of JDK
 * value-based classes ({@code Integer}, {@code LocalDate}…) with {@code IllegalArgumentException}
 * (as Python refuses {@code int}). Queries with such a key just find nothing.
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class WeakKeyDictionary<K, V> extends AbstractWeakDictionary<K, V> {

  /**
   * Creates an empty dictionary whose keys compare by {@code equals}.
   *
   * <p>Python: {@code WeakKeyDictionary()}.
   */
  public WeakKeyDictionary() {
    this(false);
  }

  /**
   * Creates a dictionary with the mappings of {@code map}, whose keys compare by {@code equals}.
   *
   * <p>Python: {@code WeakKeyDictionary(dict)}.
   *
   * @param map the mappings to copy
   * @throws NullPointerException if {@code map} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a key is of a JDK value-based class
   */
  public WeakKeyDictionary(Map<? extends K, ? extends V> map) {
    this(false);
    putAll(map);
  }

  private WeakKeyDictionary(boolean identity) {
    super(new WeakTable<>(true, identity));
  }

  /**
   * Returns a new empty dictionary whose keys compare by identity ({@code ==}) and
   * {@link System#identityHashCode}, not {@code equals}.
   *
   * <p>Python: none (Python dicts always use {@code __eq__}); this is what Guava's
   * {@code MapMaker().weakKeys()} and Caffeine's {@code weakKeys()} do.
   *
   * @param <K> the type of keys
   * @param <V> the type of values
   * @return a new identity dictionary
   */
  public static <K, V> WeakKeyDictionary<K, V> identity() {
    return new WeakKeyDictionary<>(true);
  }

  /**
   * Returns whether this dictionary compares keys by identity (made by {@link #identity()}).
   *
   * @return {@code true} for an identity dictionary
   */
  public boolean isIdentity() {
    return table.identity;
  }

  /**
   * Returns weak references to the live keys, as a new list.
   *
   * <p>Python: {@code d.keyrefs()}. The entries themselves are lighter internal references, so the
   * list is built on demand: a new {@code WeakRef} to each of the keys alive now, which the engine
   * does not track (not counted by {@code getWeakRefCount}, never the shared ref).
   * The references may die at any time: check {@link WeakRef#get()}.
   *
   * @return a list of weak references to the keys
   */
  public List<WeakRef<K>> keyRefs() {
    return table.keyRefs();
  }

  /**
   * Returns a new dictionary of the same kind (identity or not) with this dictionary's mappings,
   * updated by those of {@code other}.
   *
   * <p>Python: {@code d | other}. Kotlin: {@code d + other}.
   *
   * @param other the mappings that win
   * @return a new dictionary
   * @throws NullPointerException if {@code other} or one of its keys or values is {@code null}
   * @throws IllegalArgumentException if a key of {@code other} is of a JDK value-based class
   */
  public WeakKeyDictionary<K, V> union(Map<? extends K, ? extends V> other) {
    Objects.requireNonNull(other, "null map");
    WeakKeyDictionary<K, V> result = new WeakKeyDictionary<>(table.identity);
    result.putAll(this);
    result.putAll(other);
    return result;
  }

  /**
   * Registers {@code listener} to receive the value of each mapping removed because its key was
   * reclaimed.
   *
   * <p>Python: none (Python users subclass or poll). The listener runs on the engine thread
   * {@code weakref-reclaimer}, once per reclaimed key, after the mapping is gone; it must be quick.
   * What it throws goes to the unraisable hook. Mappings removed by a caller are not reported.
   *
   * @param listener receives each value whose key was reclaimed
   * @return a registration whose {@code close()} removes the listener
   * @throws NullPointerException if {@code listener} is {@code null}
   */
  @SuppressWarnings("unchecked")
  public ReclaimRegistration onReclaim(Consumer<? super V> listener) {
    return table.addListener((Consumer<Object>) listener);
  }
}
