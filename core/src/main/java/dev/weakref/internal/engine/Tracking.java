package dev.weakref.internal.engine;

import static dev.weakref.internal.engine.Engine.QUEUE;
import static dev.weakref.internal.engine.Engine.TABLE;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The tracking API that the reference types of {@code dev.weakref} register with: the handles (refs,
 * proxies) that refer to each referent, newest first (see {@link HandleTable}).
 *
 * <p><b>Internal:</b> public only for {@code dev.weakref}; application code creates a
 * {@code WeakRef} or a proxy instead.
 */
public final class Tracking {
  private Tracking() {}

  /**
   * Installs how the engine reads handles, and returns the queue with which every tracked handle's
   * reference must be created (see {@link HandleAccess}). There is one access per engine,
   * {@code dev.weakref}'s, which installs itself as it initializes (or the engine installs it when
   * it first needs it): only a class of the package {@code dev.weakref} of this library may call
   * this, and a second, different access is refused. Other code tracks handles with {@link #track}
   * (after {@link #queue()}), or extends {@link EngineReference}.
   *
   * @param access how to read handles
   * @return the engine's queue
   * @throws IllegalCallerException if the caller is not in {@code dev.weakref}
   * @throws IllegalStateException if another access was installed before
   */
  public static ReferenceQueue<Object> connect(HandleAccess access) {
    Objects.requireNonNull(access, "access");
    Class<?> caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .getCallerClass();
    if (caller.getModule() != Tracking.class.getModule()
        || !caller.getPackageName().equals("dev.weakref")) {
      throw new IllegalCallerException(caller.getName() + " called Tracking.connect, which only"
          + " dev.weakref calls, once, to install its own handle access; other code tracks handles"
          + " with Tracking.track or extends EngineReference");
    }
    TABLE.connect(access);
    return QUEUE;
  }

  /**
   * Returns the queue with which every tracked handle's reference must be created, as
   * {@link #connect} does; for handles built outside {@code dev.weakref} (the weak proxies'
   * handlers). The engine installs {@code dev.weakref}'s handle access itself the first time it
   * needs it, so a handle created this way before any {@code WeakRef} is read correctly.
   *
   * @return the engine's queue
   */
  public static ReferenceQueue<Object> queue() {
    return QUEUE;
  }

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
   * @param handle the user-visible reference or proxy (not retained), whose
   *     {@linkplain HandleAccess#referenceOf reference} was created with the queue of
   *     {@link #connect} and knows the referent's identity hash
   * @param action what to run after reclamation, or {@code null} for none
   */
  public static void track(Object referent, Object handle, @Nullable ReclaimAction action) {
    TABLE.add(referent, System.identityHashCode(referent), handle,
        CellKind.of(referent.getClass(), action, null));
    Engine.ensurePinned(); // after linking the cell: see Engine
    // The referent must outlive the link: its handle's reference would otherwise be enqueued, and
    // taken by the engine, before the handle's cell is there to be found.
    Reference.reachabilityFence(referent);
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key}, creating and tracking it
   * with {@code factory} when there is none: CPython's reuse of callback-less refs and proxies.
   *
   * <p>The factory runs at most once per referent and key while its result is reachable, under a
   * lock of the engine's table; it must create the handle <em>without</em> tracking it, since this
   * method tracks it, and must not call the tracking API. Shared handles have no action.
   *
   * @param referent the object referred to (not retained)
   * @param key identifies the kind of shared handle (compared by identity), such as a class
   * @param factory creates the handle from the referent, as {@link #track} requires it
   * @param <H> the handle's type; the caller guarantees that {@code key} implies it
   * @return the shared handle, never {@code null}
   */
  @SuppressWarnings("unchecked")
  public static <H> H shared(Object referent, Object key, Function<Object, ? extends H> factory) {
    int hash = System.identityHashCode(referent);
    Object handle = TABLE.sharedFast(referent, hash, key);
    if (handle == null) {
      handle = TABLE.shared(referent, hash, key, factory);
      Engine.ensurePinned(); // after linking the cell, if one was: see Engine
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
    return (H) TABLE.sharedFast(Objects.requireNonNull(referent),
        System.identityHashCode(referent), key);
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
    return TABLE.liveCount(referent, System.identityHashCode(referent));
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
    return TABLE.liveHandles(referent, System.identityHashCode(referent));
  }

  /**
   * Whether the engine keeps anything for {@code referent}, even for handles that were dropped and
   * not yet swept; for tests of the engine.
   */
  static boolean hasRecord(Object referent) {
    return TABLE.hasNode(referent, System.identityHashCode(referent));
  }
}
