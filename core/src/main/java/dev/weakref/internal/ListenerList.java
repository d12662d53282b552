package dev.weakref.internal;

import dev.weakref.ReclaimRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Internal: the copy-on-write list behind every way to be told of a reclaim (the engine's
 * listeners, the containers' {@code onReclaim}). Each {@link #add} returns its own
 * {@link ReclaimRegistration}, whose {@code close()} removes that very registration once
 * (idempotent, thread-safe), even if the same listener object was added more than once.
 *
 * <p>Readers take {@link #snapshot()}, an immutable list read with one volatile load; changes copy
 * it under a lock. A notification that took its snapshot before a {@code close()} may still reach
 * the listener closed.
 *
 * @param <L> the type of listeners
 */
public final class ListenerList<L> {
  private final Object lock = new Object();
  /** The open registrations, in the order they were added; replaced, never changed. */
  private volatile List<Registration<L>> registrations = List.of();
  /** Their listeners, in the same order: what notifications walk. */
  private volatile List<L> listeners = List.of();

  /** Creates an empty list. */
  public ListenerList() {}

  /** A listener as added; closing removes this very registration, once. */
  private static final class Registration<L> implements ReclaimRegistration {
    final L listener;
    final ListenerList<L> owner;
    final AtomicBoolean closed = new AtomicBoolean();

    Registration(L listener, ListenerList<L> owner) {
      this.listener = listener;
      this.owner = owner;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        owner.remove(this);
      }
    }
  }

  /**
   * Adds {@code listener}; returns the registration that removes it.
   *
   * @param listener the listener
   * @return its registration
   * @throws NullPointerException if {@code listener} is {@code null}
   */
  public ReclaimRegistration add(L listener) {
    Registration<L> r = new Registration<>(Objects.requireNonNull(listener, "null listener"), this);
    synchronized (lock) {
      List<Registration<L>> rs = new ArrayList<>(registrations);
      rs.add(r);
      publish(rs);
    }
    return r;
  }

  /**
   * Closes the oldest open registration of a listener {@code equals} to {@code listener}.
   *
   * @param listener the listener to remove
   * @return whether there was one
   */
  public boolean remove(Object listener) {
    Registration<L> found = null;
    synchronized (lock) {
      for (Registration<L> r : registrations) {
        if (r.listener.equals(listener) && !r.closed.get()) {
          found = r;
          break;
        }
      }
    }
    if (found == null || !found.closed.compareAndSet(false, true)) {
      return false;
    }
    remove(found);
    return true;
  }

  private void remove(Registration<L> r) {
    synchronized (lock) {
      List<Registration<L>> rs = new ArrayList<>(registrations);
      if (rs.remove(r)) {
        publish(rs);
      }
    }
  }

  /** Under the lock: replaces both lists. */
  private void publish(List<Registration<L>> rs) {
    List<L> ls = new ArrayList<>(rs.size());
    for (Registration<L> r : rs) {
      ls.add(r.listener);
    }
    registrations = List.copyOf(rs);
    listeners = List.copyOf(ls);
  }

  /**
   * Returns the listeners registered now, in the order they were added: an immutable list, to be
   * walked by index (no iterator to allocate).
   *
   * @return the listeners
   */
  public List<L> snapshot() {
    return listeners;
  }

  /**
   * Returns whether no listener is registered: one volatile read.
   *
   * @return whether the list is empty
   */
  public boolean isEmpty() {
    return listeners.isEmpty();
  }
}
