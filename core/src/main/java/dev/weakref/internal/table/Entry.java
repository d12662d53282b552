package dev.weakref.internal.table;

import dev.weakref.internal.VarHandles;
import dev.weakref.internal.engine.EngineReference;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One mapping of a {@link WeakTable}, and the weak reference to its weak side: the key
 * ({@link WeakKeys}) or the value ({@link WeakValues}). The other side is held strongly in
 * {@link #strong}. Also the end marker of a {@link Stripe}'s chains (no referent, {@code strong} =
 * the stripe, {@code next} = {@code null}).
 *
 * <p>Holds the {@code VarHandle}s of the table's bins and of the entry's own fields, and the
 * helpers that use them: bins are read with acquire and written with release.
 */
final class Entry extends EngineReference<Object> {
  private static final VarHandle BINS = MethodHandles.arrayElementVarHandle(Entry[].class);
  private static final VarHandle NEXT =
      VarHandles.field(MethodHandles.lookup(), "next", Entry.class);
  static final VarHandle STRONG =
      VarHandles.field(MethodHandles.lookup(), "strong", Object.class);

  final int hash;
  /** The value (weak keys), the key (weak values), or for an end marker its stripe. */
  volatile @Nullable Object strong;
  /** The next entry of the chain; {@code null} only for an end marker. */
  volatile @Nullable Entry next;

  Entry(@Nullable Object referent, int hash, @Nullable Object strong, @Nullable Entry next) {
    super(referent);
    this.hash = hash;
    // Plain stores: the entry is published by a release store of its bin.
    STRONG.set(this, strong);
    NEXT.set(this, next);
  }

  /**
   * On the engine thread: walks the chain to its end marker to find the stripe (entries need no
   * back pointer, which would cost 8 bytes each), and has its table unlink this entry.
   */
  @Override
  protected void reclaimed() {
    Entry x = this;
    for (Entry n; (n = x.next) != null; ) {
      x = n;
    }
    Stripe stripe = (Stripe) x.strong;
    if (stripe != null) {
      stripe.owner.reclaim(stripe, this);
    }
  }

  /** On the engine thread, from {@link #reclaimed()}: runs {@code task} once the batch is done. */
  static void afterBatch(Runnable task) {
    atBatchEnd(task);
  }

  /** On the engine thread: names the listener about to run, should it run long (the watchdog). */
  static void running(@Nullable Object listener) {
    runningCallback(listener);
  }

  /** The head of bin {@code i}. */
  static Entry bin(Entry[] t, int i) {
    return (Entry) BINS.getAcquire(t, i);
  }

  static void setBin(Entry[] t, int i, Entry e) {
    BINS.setRelease(t, i, e);
  }

  /** Puts {@code replacement} where {@code prev}'s successor (or bin {@code i}'s head) was. */
  static void link(Entry[] t, int i, @Nullable Entry prev, Entry replacement) {
    if (prev == null) {
      setBin(t, i, replacement);
    } else {
      prev.next = replacement;
    }
  }
}
