package dev.weakref.internal.engine;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What the engine must know of a tracked handle besides the handle itself, alike for many cells:
 * the referent's class (for {@link dev.weakref.engine.ReclaimEvent}s), the action to run after the
 * referent was reclaimed, and the key the handle is shared under. Interned per referent class, so
 * that a cell pays one field for all three.
 */
final class CellKind {
  /** The kinds known for a referent class, in a copy-on-write array. */
  private static final class Known {
    volatile CellKind[] kinds = new CellKind[0];
  }

  /** Per referent class; not a plain ClassValue, which would pin this library: see PerClass. */
  private static final PerClass<Known> KNOWN = new PerClass<>(type -> new Known());

  final Class<?> type;
  final @Nullable ReclaimAction action;
  final @Nullable Object shareKey;
  /**
   * The same kind, for a cell that a sweep has found alive once (null if this is it): only a cell
   * found alive twice is {@linkplain Cell.Tenured tenured}, so that the cells of handles made
   * between a collection and its sweep, most of which die before the next, are not.
   */
  final @Nullable CellKind aged;

  private CellKind(Class<?> type, @Nullable ReclaimAction action, @Nullable Object shareKey,
      @Nullable CellKind aged) {
    this.type = type;
    this.action = action;
    this.shareKey = shareKey;
    this.aged = aged;
  }

  /** Returns the kind of a handle to an object of {@code type}; allocates only the first time. */
  static CellKind of(Class<?> type, @Nullable ReclaimAction action, @Nullable Object shareKey) {
    Known known = KNOWN.get(type);
    for (CellKind k : known.kinds) {
      if (k.action == action && k.shareKey == shareKey) {
        return k;
      }
    }
    synchronized (known) {
      CellKind[] kinds = known.kinds;
      for (CellKind k : kinds) {
        if (k.action == action && k.shareKey == shareKey) {
          return k;
        }
      }
      CellKind k = new CellKind(type, action, shareKey,
          new CellKind(type, action, shareKey, null));
      kinds = Arrays.copyOf(kinds, kinds.length + 1);
      kinds[kinds.length - 1] = k;
      known.kinds = kinds;
      return k;
    }
  }
}
