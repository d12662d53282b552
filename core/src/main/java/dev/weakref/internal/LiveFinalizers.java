package dev.weakref.internal;

import dev.weakref.internal.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Internal: the registry of live finalizers, which keeps every finalizer alive until its function
 * has finished or it was detached, and lets the exit hook find them, newest first. (Not to be
 * confused with the engine's registry, which maps a referent to its weak references.)
 *
 * <p>Chunks of {@value #CHUNK_SIZE} finalizers, newest chunk first, each filled in registration
 * order, so that walking the chunks newest first and each chunk downwards is newest first. A
 * finalizer stays in its chunk until its function has finished, so the exit hook finds the ones
 * other threads are running and waits for them, without a counter paid by every run. A place in a
 * chunk costs 4 bytes against the 8 of a doubly linked list's two fields, which keeps a finalizer
 * at 40 bytes (a {@code PhantomCleanable} is 48). Sparse chunks are merged with a neighbour, in
 * order (see {@link #unlinkLocked}), and a newest chunk that fills up at most half live is
 * compacted in place (see {@link #add}).
 */
public final class LiveFinalizers {
  static final int CHUNK_SIZE = 128;
  /** Guards the chunks, each finalizer's place and {@link #registrations}; the exit hook waits on it. */
  static final Object LOCK = new Object();
  private static @Nullable Chunk newest; // guarded by LOCK
  private static long registrations; // guarded by LOCK; tells the exit hook to select again
  private static int live; // guarded by LOCK: finalizers linked in the chunks
  /**
   * The engine's token while a finalizer is linked (see {@code Engine}): a finalizer stays linked
   * until its run has finished, so one on the engine's queue keeps the engine thread. Guarded by
   * LOCK; costs the finalizers nothing each.
   */
  private static @Nullable Object engineToken;

  private LiveFinalizers() {}

  /** A block of places for finalizers; see the class comment. All fields guarded by LOCK. */
  static final class Chunk {
    final AbstractFinalizer[] finalizers = new AbstractFinalizer[CHUNK_SIZE];
    int used; // places [0, used) have been filled, some emptied since
    int live; // places holding a finalizer
    @Nullable Chunk older;
    @Nullable Chunk newer;

    Chunk(@Nullable Chunk older) {
      this.older = older;
    }
  }

  /**
   * Adds a new finalizer, as the newest. The caller keeps its object reachable until this returns.
   *
   * @param f a finalizer not yet in the registry
   */
  public static void add(AbstractFinalizer f) {
    synchronized (LOCK) {
      if (engineToken == null) {
        engineToken = Engine.token(); // first: if it throws (no thread), nothing has changed
      }
      Chunk c = newest;
      if (c == null || c.used == CHUNK_SIZE) {
        if (c != null && c.live <= CHUNK_SIZE / 2) {
          compactLocked(c); // at most half of it is live: slide those down and reuse the rest
        } else {
          Chunk n = new Chunk(c);
          if (c != null) {
            c.newer = n;
          }
          newest = c = n;
        }
      }
      int i = c.used++;
      c.finalizers[i] = f;
      c.live++;
      f.chunk = c;
      f.index = (short) i;
      registrations++;
      live++;
      FinalizerExitHook.registerLocked();
    }
  }

  /**
   * Takes a detached finalizer out of the registry; nothing if it is out already.
   *
   * @param f the finalizer
   */
  public static void remove(AbstractFinalizer f) {
    synchronized (LOCK) {
      unlinkLocked(f);
    }
  }

  /**
   * After a run, or a run refused at exit: marks the finalizer dead and takes it out of the
   * registry, under the lock the exit hook waits on, and wakes the hook if it is waiting.
   *
   * @param f the finalizer whose function has finished
   */
  public static void finished(AbstractFinalizer f) {
    synchronized (LOCK) {
      f.markDead(); // the exit hook reads it under LOCK
      unlinkLocked(f);
      if (FinalizerExitHook.started()) {
        LOCK.notifyAll(); // the exit hook may be waiting for this run
      }
    }
  }

  /** The number of finalizers linked here: the exit hook is needed while it is not 0. */
  static int liveLocked() {
    return live;
  }

  /** The number of finalizers ever added: a change tells the exit hook to select again. */
  static long registrationsLocked() {
    return registrations;
  }

  /**
   * The one walk over the registry: adds the finalizers that {@code which} accepts to {@code out},
   * newest first, and returns the number of chunks.
   */
  static int collectLocked(Predicate<AbstractFinalizer> which, List<? super AbstractFinalizer> out) {
    int chunks = 0;
    for (Chunk c = newest; c != null; c = c.older) {
      chunks++;
      for (int i = c.used - 1; i >= 0; i--) {
        AbstractFinalizer x = c.finalizers[i];
        if (x != null && which.test(x)) {
          out.add(x);
        }
      }
    }
    return chunks;
  }

  /**
   * For tests: the live finalizers, newest first, and the number of chunks holding them.
   *
   * @param chunks receives the number of chunks in its first element
   * @return the finalizers in the registry
   */
  public static List<AbstractFinalizer> registered(int[] chunks) {
    List<AbstractFinalizer> out = new ArrayList<>();
    synchronized (LOCK) {
      chunks[0] = collectLocked(x -> true, out);
    }
    return out;
  }

  /**
   * Empties a finalizer's place. A chunk left empty is freed; one left sparse is merged with a
   * neighbour when the two hold at most half a chunk together, so that a few long-lived finalizers
   * among many short-lived ones do not each pin a whole chunk (the newest chunk is left alone until
   * it fills: then {@link #add} compacts it).
   */
  private static void unlinkLocked(AbstractFinalizer f) {
    Chunk c = f.chunk;
    if (c == null) {
      return;
    }
    f.chunk = null;
    if (--live == 0) {
      engineToken = null; // the engine thread may end: see Engine
    }
    c.finalizers[f.index] = null;
    c.live--;
    if (c == newest) {
      return;
    }
    Chunk n = Objects.requireNonNull(c.newer); // c is not the newest
    Chunk o = c.older;
    if (c.live == 0) {
      removeChunkLocked(c);
    } else if (o != null && o.live + c.live <= CHUNK_SIZE / 2) {
      mergeLocked(o, c);
    } else if (n != newest && n.live + c.live <= CHUNK_SIZE / 2) {
      mergeLocked(c, n);
    }
  }

  /**
   * Moves a chunk's finalizers to its first places, in order, so that the rest can be filled again:
   * for the newest chunk, which unlinkLocked leaves alone, when it fills up with most of its
   * finalizers already gone (else a long-lived finalizer among short-lived ones that end while
   * their chunk is newest would pin a chunk each).
   */
  private static void compactLocked(Chunk c) {
    int j = 0;
    for (int i = 0; i < c.used; i++) {
      AbstractFinalizer x = c.finalizers[i];
      if (x != null) {
        c.finalizers[i] = null;
        c.finalizers[j] = x;
        x.index = (short) j++;
      }
    }
    c.used = j;
  }

  /** Moves the finalizers of {@code newer} after those of {@code older}, in order; frees newer. */
  private static void mergeLocked(Chunk older, Chunk newer) {
    compactLocked(older);
    int j = older.used;
    for (int i = 0; i < newer.used; i++) {
      AbstractFinalizer x = newer.finalizers[i];
      if (x != null) {
        older.finalizers[j] = x;
        x.chunk = older;
        x.index = (short) j++;
      }
    }
    older.used = j;
    older.live = j;
    removeChunkLocked(newer);
  }

  /** Unlinks a chunk other than the newest from the chunk list. */
  private static void removeChunkLocked(Chunk c) {
    Chunk o = c.older;
    Chunk n = Objects.requireNonNull(c.newer);
    n.older = o;
    if (o != null) {
      o.newer = n;
    }
    c.older = null;
    c.newer = null;
  }
}
