package dev.weakref.internal.table;

import dev.weakref.internal.engine.Engine;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A lock (its monitor) over the bins {@code i} of a {@link WeakTable} with {@code i % 16} equal to
 * its index, and the count of their entries; their chains all end in {@link #end}.
 */
final class Stripe {
  final WeakTable<?, ?> owner;
  /** The end marker of this stripe's chains: see {@link Entry}. */
  final Entry end;
  /**
   * Entries in the stripe's bins, dead ones not yet unlinked included. Written under the lock;
   * volatile so that {@code size()}'s reads of it stay between its reads of {@link #mods}, and a
   * writer's store of it between its two stores of {@code mods}, on every processor.
   */
  volatile int count;
  /**
   * Odd while a writer adds or removes an entry (readers may already see the change before
   * {@code count} does), bumped again when it is done; {@code size()} waits for an even value
   * that stays the same over its two passes, so that it agrees with what readers saw.
   */
  volatile int mods;
  /**
   * Bumped (under the lock) when a weak-value entry is replaced by a new one: the count stays, so
   * {@link #mods} does not move, but a walk that stood on the old entry went stale. With
   * {@code mods}, what {@link WeakTable#moved} compares; not volatile, as only lock holders use it.
   */
  int replaced;
  /**
   * The strong sides of dead entries that a {@code put} unlinked before the engine did (see
   * {@link WeakTable#purge}), for the engine to hand to the listeners; guarded by the lock.
   */
  @Nullable ArrayList<Object> purged;
  /**
   * The engine's token (see {@code Engine}) while the stripe has entries or {@link #purged} strong
   * sides: taken when the first entry is linked, dropped once the last is gone and nothing purged
   * waits; guarded by the lock. This is what keeps the engine thread for the entries, which pay no
   * field for it: an entry the collector cleared and enqueued is still linked (or purged, which
   * keeps {@code purged} set) until the engine has processed it, and reaches this stripe through
   * its chain's end marker, so the token stays reachable from it until then. It costs the stripe
   * nothing either: the field fits in its object's alignment padding.
   */
  private @Nullable Object engineToken;

  Stripe(WeakTable<?, ?> owner) {
    this.owner = owner;
    this.end = new Entry(null, 0, this, null);
  }

  /**
   * What {@link WeakTable#moved} compares: it moves whenever an entry of the stripe is linked,
   * unlinked or replaced.
   */
  int stamp() {
    return mods + replaced;
  }

  /**
   * Puts {@code replacement} where {@code prev}'s successor was (a weak-value entry replaced). The
   * count stays, and so does {@code mods} ({@code size()} need not look again), but
   * {@link #replaced} moves on, so that a walk gone stale sees it (see {@link WeakTable#moved}).
   */
  void relink(Entry[] t, int i, @Nullable Entry prev, Entry replacement) {
    Entry.link(t, i, prev, replacement);
    replaced++;
  }

  /** Holds the engine's token, as an entry is linked; under the lock. */
  void holdEngine() {
    if (engineToken == null) {
      engineToken = Engine.token();
    }
  }

  /** Lets go of the engine's token if no entry is left and nothing purged waits; under the lock. */
  void releaseEngineIfEmpty() {
    if (count == 0 && purged == null) {
      engineToken = null;
    }
  }

  /** Unlinks a removed entry; {@link #mods} is odd, and even again after. */
  void unlink(Entry[] t, int i, @Nullable Entry prev, Entry e) {
    Entry.link(t, i, prev, e.next);
    e.clear(); // never enqueued now: a removed entry is not "reclaimed"
    count = count - 1;
    mods = mods + 1;
    releaseEngineIfEmpty();
  }
}
