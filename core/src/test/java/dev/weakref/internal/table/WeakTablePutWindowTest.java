package dev.weakref.internal.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@code WeakTable.put}'s window on a weak value (stop 15's race, found by
 * {@code ContainersContractTest.putOfAFreshValueInALoopWhileCollecting_alwaysOneMapping} once in
 * some 20,000 rounds): put walks its bin, finds the key's entry alive ({@code refersTo(null)} is
 * false), matches the key, then reads the value, which the collector may have cleared in between.
 * Such an entry must be purged like a dead one, or the new entry is counted next to it until the
 * engine unlinks it.
 *
 * <p>No hook in {@code put} is needed to stand in that window: the key's own {@code equals} runs
 * there (the match), so a key whose {@code equals} clears the entry, as the collector would, opens it
 * on every run. {@code clear()} without {@code enqueue()}: the engine does not unlink the entry
 * behind the test's back, so before the fix the dead entry stayed counted (size 2) every time.
 */
final class WeakTablePutWindowTest {

  @Test
  void put_whenTheMatchedValueDiesBetweenTheDeadCheckAndTheValueRead_purgesIt() throws Exception {
    WeakTable<WindowKey, Object> table = WeakTable.weakValues(o -> {});
    List<Object> reclaimed = new CopyOnWriteArrayList<>();
    table.addListener(reclaimed::add);
    WindowKey first = new WindowKey(10);
    Object oldValue = new Object();
    table.put(first, oldValue, false);
    @SuppressWarnings("unchecked")
    Reference<Object> entry = (Reference<Object>) table.entryOf(first);
    assertTrue(entry != null && entry.refersTo(oldValue));

    // An equal key object, so that the match calls its equals(first): there it clears the entry.
    WindowKey second = new WindowKey(10);
    second.inWindow.set(entry::clear);
    Object newValue = new Object();
    assertNull(table.put(second, newValue, false), "the old value died: nothing to return");

    assertNull(second.inWindow.get(), "put matched the key without calling equals: no window");
    assertTrue(entry.refersTo(null));
    assertEquals(1, table.size(), "the dead entry is counted next to the new one");
    assertSame(newValue, table.get(first));
    assertSame(second, table.keyIterator().next(), "the new entry, with the key it was put with");

    // The collector would have enqueued it: the engine then finds it purged and reports its key once.
    assertTrue(entry.enqueue());
    Reclaimer.collect();
    assertEquals(List.of(first), reclaimed);
    assertEquals(1, table.size());
    Reference.reachabilityFence(oldValue);
    Reference.reachabilityFence(newValue);
  }

  /** A key equal to any other of its number; its next {@code equals} runs {@link #inWindow}. */
  private static final class WindowKey {
    final int n;
    final AtomicReference<@Nullable Runnable> inWindow = new AtomicReference<>();

    WindowKey(int n) {
      this.n = n;
    }

    @Override
    public boolean equals(Object o) {
      Runnable r = inWindow.getAndSet(null);
      if (r != null) {
        r.run();
      }
      return o instanceof WindowKey k && k.n == n;
    }

    @Override
    public int hashCode() {
      return n;
    }
  }
}
