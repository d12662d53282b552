package dev.weakref;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.Objects;
import java.util.Spliterator;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe set that holds its elements weakly: an element disappears once it is reclaimed.
 *
 * <p>Python: {@code weakref.WeakSet}. Use it to keep track of objects (listeners, open handles)
 * without keeping them alive. Elements compare by {@code equals}/{@code hashCode}, as in Python;
 * {@link #identity()} makes one that compares them by identity.
 *
 * <p><b>After reclamation.</b> Once an element is only weakly reachable (see {@link java.lang.ref}),
 * the collector clears it; {@code contains} and iterators no longer see it at once, and the engine
 * thread {@code weakref-reclaimer} then unlinks it, so {@link #size()} no longer counts it after
 * {@link dev.weakref.engine.Reclaimer#collect()}. Listeners registered with {@link #onReclaim} are
 * then told how many elements went, on that thread; what they throw goes to the unraisable hook.
 *
 * <p><b>Concurrency.</b> All operations are thread-safe; reads take no lock. Iterators are weakly
 * consistent: they never throw {@code ConcurrentModificationException}, never yield {@code null} or
 * a reclaimed element, and hold the element they returned last (and the one they will return next)
 * strongly; {@code Iterator.remove()} removes that very element object only, not an equal one
 * added since. Its spliterator reports {@code CONCURRENT}, {@code DISTINCT} and {@code NONNULL},
 * not {@code SIZED}. Actions of a thread before it adds an element <i>happen-before</i> the
 * actions of a thread that finds it.
 *
 * <p>As in {@code ConcurrentHashMap}, the elements' {@code equals} (never called by an
 * {@link #identity()} set) may run while the set holds one of its internal locks. An
 * {@code equals} that changes this same set loses nothing: the operation that called it looks
 * again, as Python's {@code set} does (so one that changes it on every call never lets the
 * operation finish). But an {@code equals} that uses the set while other threads use it too can
 * deadlock.
 *
 * <p>{@code null} elements are refused with {@code NullPointerException}, elements of JDK
 * value-based classes ({@code Integer}, {@code LocalDate}…) with {@code IllegalArgumentException}.
 * Queries with such an element just find nothing; a {@code null} query throws.
 *
 * @param <E> the type of elements
 */
public final class WeakSet<E> extends AbstractSet<E> {
  private final WeakTable<E, Object> table;

  /**
   * Creates an empty set whose elements compare by {@code equals}.
   *
   * <p>Python: {@code WeakSet()}.
   */
  public WeakSet() {
    this(false);
  }

  /**
   * Creates a set with the elements of {@code elements}, compared by {@code equals}.
   *
   * <p>Python: {@code WeakSet(iterable)}.
   *
   * @param elements the elements to add
   * @throws NullPointerException if {@code elements} or one of them is {@code null}
   * @throws IllegalArgumentException if an element is of a JDK value-based class
   */
  public WeakSet(Collection<? extends E> elements) {
    this(false);
    addAll(elements);
  }

  private WeakSet(boolean identity) {
    this.table = new WeakTable<>(true, identity);
  }

  /**
   * Returns a new empty set whose elements compare by identity ({@code ==}) and
   * {@link System#identityHashCode}, not {@code equals}.
   *
   * <p>Python: none (Python sets always use {@code __eq__}).
   *
   * @param <E> the type of elements
   * @return a new identity set
   */
  public static <E> WeakSet<E> identity() {
    return new WeakSet<>(true);
  }

  /**
   * Returns whether this set compares elements by identity (made by {@link #identity()}).
   *
   * @return {@code true} for an identity set
   */
  public boolean isIdentity() {
    return table.identity;
  }

  /**
   * Returns the number of elements not yet unlinked after reclamation.
   *
   * <p>Python: {@code len(s)}. An element reclaimed by the collector may be counted until the
   * engine thread has unlinked it, which {@link dev.weakref.engine.Reclaimer#collect()} waits for;
   * but never next to an equal element added since.
   *
   * @return the number of elements
   */
  @Override
  public int size() {
    return table.size();
  }

  /**
   * Returns whether this set has no elements.
   *
   * @return {@code size() == 0}
   */
  @Override
  public boolean isEmpty() {
    return table.size() == 0;
  }

  /**
   * Returns whether {@code o} is an element.
   *
   * <p>Python: {@code o in s}.
   *
   * @param o the object to look for
   * @return whether it is in this set
   * @throws NullPointerException if {@code o} is {@code null}
   */
  @Override
  public boolean contains(@Nullable Object o) {
    return table.containsKey(o);
  }

  /**
   * Adds {@code e}, held weakly, unless an equal element is present.
   *
   * <p>Python: {@code s.add(e)}.
   *
   * @param e the element
   * @return whether it was added
   * @throws NullPointerException if {@code e} is {@code null}
   * @throws IllegalArgumentException if {@code e} is of a JDK value-based class
   */
  @Override
  public boolean add(E e) {
    return table.put(e, WeakTable.PRESENT, true) == null;
  }

  /**
   * Removes {@code o} if present.
   *
   * <p>Python: {@code s.discard(o)}.
   *
   * @param o the element
   * @return whether it was removed
   * @throws NullPointerException if {@code o} is {@code null}
   */
  @Override
  public boolean remove(@Nullable Object o) {
    return table.remove(o, null) != null;
  }

  /** Removes every element. Python: {@code s.clear()}. */
  @Override
  public void clear() {
    table.clear();
  }

  /**
   * Returns a weakly consistent iterator over the live elements.
   *
   * @return an iterator that supports {@code remove()}
   */
  @Override
  public Iterator<E> iterator() {
    return table.keyIterator();
  }

  /**
   * Returns a weakly consistent spliterator over the live elements. It reports
   * {@link Spliterator#CONCURRENT}, {@link Spliterator#DISTINCT} and {@link Spliterator#NONNULL},
   * but not {@link Spliterator#SIZED}: elements may go while it runs.
   *
   * @return a spliterator over the elements
   */
  @Override
  public Spliterator<E> spliterator() {
    return table.keySpliterator();
  }

  /**
   * Removes the elements that {@code filter} accepts, each only if that very element object is
   * still in the set when the filter has accepted it.
   *
   * @param filter says which elements to remove
   * @return whether an element was removed
   * @throws NullPointerException if {@code filter} is {@code null}
   */
  @Override
  public boolean removeIf(Predicate<? super E> filter) {
    return table.keyIterator().removeIf(filter);
  }

  /**
   * Returns a new set of the same kind (identity or not) with the elements of this set and of
   * {@code other}.
   *
   * <p>Python: {@code s | other}. Kotlin: {@code s + other}, {@code s or other}.
   *
   * @param other the elements to add
   * @return a new set
   * @throws NullPointerException if {@code other} or one of its elements is {@code null}
   * @throws IllegalArgumentException if an element of {@code other} is of a JDK value-based class
   */
  public WeakSet<E> union(Collection<? extends E> other) {
    Objects.requireNonNull(other, "null collection");
    WeakSet<E> result = new WeakSet<>(table.identity);
    result.addAll(this);
    result.addAll(other);
    return result;
  }

  /**
   * Returns a new set of the same kind (identity or not) with the elements of this set that are
   * not in {@code other}.
   *
   * <p>Python: {@code s - other}. Kotlin: {@code s - other}.
   *
   * @param other the elements to leave out
   * @return a new set
   * @throws NullPointerException if {@code other} is {@code null}
   */
  public WeakSet<E> difference(Collection<?> other) {
    Objects.requireNonNull(other, "null collection");
    WeakSet<E> result = new WeakSet<>(table.identity);
    result.addAll(this);
    for (Object o : other) {
      if (o != null) {
        result.remove(o);
      }
    }
    return result;
  }

  /**
   * Registers {@code listener} to be told how many elements were removed because they were
   * reclaimed.
   *
   * <p>Python: none. The listener runs on the engine thread {@code weakref-reclaimer} after the
   * elements are gone (at present once per element, with a count of 1); it must be quick. What it
   * throws goes to the unraisable hook. Elements removed by a caller are not reported.
   *
   * @param listener receives the number of elements reclaimed
   * @return a registration whose {@code close()} removes the listener
   * @throws NullPointerException if {@code listener} is {@code null}
   */
  public ReclaimRegistration onReclaim(IntConsumer listener) {
    Objects.requireNonNull(listener, "null listener");
    return table.addListener(new CountListener(listener));
  }

  /** Adapts a count listener to the table's per-entry notification; reported as the user's. */
  private record CountListener(IntConsumer listener) implements java.util.function.Consumer<Object> {
    @Override
    public void accept(Object present) {
      listener.accept(1);
    }

    @Override
    public String toString() {
      return listener.toString();
    }
  }
}
