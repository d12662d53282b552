package dev.weakref.internal.engine;

import static dev.weakref.internal.engine.Engine.QUEUE;
import static dev.weakref.internal.engine.Engine.REGISTRY;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The tracking API that the reference types of {@code dev.weakref} register with: one record per
 * referent of the handles (refs, proxies) that refer to it, newest first.
 *
 * <p><b>Internal:</b> public only for {@code dev.weakref}; application code creates a
 * {@code WeakRef} or a proxy instead.
 */
public final class Tracking {
  private Tracking() {}

  /**
   * Registers {@code handle} as a weak reference to {@code referent}, newest first among the
   * referent's handles.
   *
   * <p>The engine holds {@code handle} only weakly: once it is unreachable it is forgotten and its
   * action never runs. While it is reachable it counts in {@link #weakRefCount} and, when the
   * referent is reclaimed, {@code action} (if not null) runs once on the engine thread with the
   * handle.
   *
   * @param referent the object referred to (not retained)
   * @param handle the user-visible reference or proxy (not retained)
   * @param action what to run after reclamation, or {@code null} for none
   */
  public static void track(Object referent, Object handle, @Nullable ReclaimAction action) {
    int hash = System.identityHashCode(referent);
    Cell cell = new Cell(handle, action, null);
    for (Slot slot = REGISTRY.findOrCreate(referent, hash, QUEUE); !slot.push(cell); ) {
      slot = REGISTRY.findOrCreateLocked(referent, hash, QUEUE); // that one was retired meanwhile
    }
    // The referent must outlive the push, or its slot could be reclaimed before the cell is on it.
    Reference.reachabilityFence(referent);
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key}, creating and tracking it
   * with {@code factory} when there is none: CPython's reuse of callback-less refs and proxies.
   *
   * <p>The factory runs at most once per referent and key while its result is reachable, under a
   * per-referent lock; it must create the handle <em>without</em> tracking it, since this method
   * tracks it. Shared handles have no action.
   *
   * @param referent the object referred to (not retained)
   * @param key identifies the kind of shared handle (compared by identity), such as a class
   * @param factory creates the handle from the referent
   * @param <H> the handle's type; the caller guarantees that {@code key} implies it
   * @return the shared handle, never {@code null}
   */
  @SuppressWarnings("unchecked")
  public static <H> H shared(Object referent, Object key, Function<Object, ? extends H> factory) {
    int hash = System.identityHashCode(referent);
    Slot slot = REGISTRY.findOrCreate(referent, hash, QUEUE);
    Object handle = slot.shared(key);
    while (handle == null) {
      synchronized (slot) {
        handle = slot.sharedLocked(key);
        if (handle == null) {
          Object created = Objects.requireNonNull(factory.apply(referent), "shared handle factory");
          Cell cell = new Cell(created, null, key);
          if (slot.push(cell)) {
            slot.hintShared(cell);
            handle = created;
          }
        }
      }
      if (handle == null) {
        slot = REGISTRY.findOrCreateLocked(referent, hash, QUEUE); // that one was retired meanwhile
      }
    }
    Reference.reachabilityFence(referent);
    return (H) handle;
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key} if there is one, without
   * creating anything: the lock-free fast path of {@link #shared}.
   *
   * @param referent the object referred to; not {@code null}
   * @param key identifies the kind of shared handle (compared by identity)
   * @param <H> the handle's type; the caller guarantees that {@code key} implies it
   * @return the shared handle, or {@code null} if there is none yet
   */
  @SuppressWarnings("unchecked")
  public static <H> @Nullable H sharedIfPresent(Object referent, Object key) {
    Slot slot = REGISTRY.findFast(Objects.requireNonNull(referent), System.identityHashCode(referent));
    return slot == null ? null : (H) slot.shared(key);
  }

  /**
   * Returns how many tracked references and proxies currently refer to {@code referent}.
   *
   * <p>Python: {@code weakref.getweakrefcount(obj)}. Counts {@code WeakRef}s (and subclasses such as
   * {@code WeakMethod}) and proxies that are still reachable or not yet found unreachable by the
   * collector. The weak containers' internal references are not counted: they are the containers'
   * business, as in Jython.
   *
   * @param referent any object
   * @return the number of live tracked references to it, 0 if none
   */
  public static int weakRefCount(Object referent) {
    Slot slot = REGISTRY.find(referent, System.identityHashCode(referent));
    return slot == null ? 0 : slot.liveCount();
  }

  /**
   * Returns the tracked references and proxies that currently refer to {@code referent}, newest
   * first.
   *
   * <p>Python: {@code weakref.getweakrefs(obj)}. The list is a fresh, modifiable snapshot.
   *
   * @param referent any object
   * @return the live tracked references to it; empty if none
   */
  public static List<Object> weakRefs(Object referent) {
    Slot slot = REGISTRY.find(referent, System.identityHashCode(referent));
    return slot == null ? new ArrayList<>() : slot.liveHandles();
  }

  /** Whether the registry has a record for {@code referent}; for tests of the engine. */
  static boolean hasRecord(Object referent) {
    return REGISTRY.find(referent, System.identityHashCode(referent)) != null;
  }
}
