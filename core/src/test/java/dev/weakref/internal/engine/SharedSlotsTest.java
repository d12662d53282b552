package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The slots of shared cells, read first by the hot path of reuse ({@code WeakRef.of(o)}
 * again on the same object, issue 19's "the shared ref faster than a raw allocation"): a slot holds
 * only a cell linked in the table, so it keeps nothing alive that the table does not, and a hit is
 * never another referent's handle.
 *
 * <p>The cases that read a slot of the engine's table assume that no other thread creates shared
 * refs meanwhile: core's tests run one at a time in their JVM.
 */
final class SharedSlotsTest {

  /**
   * A new object whose shared slot is empty in the engine's table (a slot is kept by the first
   * shared cell to take it, and other tests may have left live shared refs), so that its shared ref
   * takes it.
   */
  private static Object objectWithAFreeSlot() {
    for (int tries = 0; tries < 100_000; tries++) {
      Object o = new Object();
      if (slotOf(o) == null) {
        return o;
      }
    }
    throw new AssertionError("no free shared slot in 100,000 objects");
  }

  private static @Nullable Cell slotOf(Object referent) {
    return Engine.TABLE.sharedSlotCell(System.identityHashCode(referent));
  }

  @Test
  void theSharedRef_isHeldInItsSlot_andIsTheSameRefEveryTime() {
    Object o = objectWithAFreeSlot();
    WeakRef<Object> shared = WeakRef.of(o);
    Cell slot = slotOf(o);
    assertTrue(slot != null && slot.get() == shared, "the new shared cell fills its slot: " + slot);
    assertSame(shared, Tracking.sharedIfPresent(o, WeakRef.class));
    assertSame(shared, WeakRef.of(o));
    Reference.reachabilityFence(o);
  }

  @Test
  void aDroppedSharedRef_leavesNothingInItsSlot() {
    Object o = objectWithAFreeSlot();
    int hash = System.identityHashCode(o);
    Cell cell = sharedCellDropped(o);
    for (int i = 0; i < 3 && Tracking.hasRecord(o); i++) {
      Reclaimer.collect(); // the collector clears the cell, the sweep unlinks it
    }
    assertNotSame(cell, Engine.TABLE.sharedSlotCell(hash), "the slot kept an unlinked cell");
    WeakRef<Object> again = WeakRef.of(o);
    Cell slot = slotOf(o);
    assertTrue(slot != null && slot.get() == again, "the new shared ref takes the freed slot");
    assertSame(again, WeakRef.of(o));
    assertEquals(1, Reclaimer.weakRefCount(o));
    Reference.reachabilityFence(o);
    Reference.reachabilityFence(again);
  }

  /** Makes {@code o}'s shared ref and drops it, returning its cell; not inlined into the test. */
  private static Cell sharedCellDropped(Object o) {
    WeakRef.of(o);
    Cell cell = slotOf(o);
    assertTrue(cell != null);
    return cell;
  }

  @Test
  void aReclaimedReferent_leavesNothingInItsSlot() {
    int[] hash = new int[1];
    WeakRef<Object> shared = sharedRefOfADroppedObject(hash);
    Cell cell = Engine.TABLE.sharedSlotCell(hash[0]);
    assertTrue(cell != null && cell.get() == shared);
    Reclaimer.collect();
    assertNull(shared.get());
    assertNotSame(cell, Engine.TABLE.sharedSlotCell(hash[0]), "the slot kept a dead referent's");
  }

  private static WeakRef<Object> sharedRefOfADroppedObject(int[] hash) {
    Object o = objectWithAFreeSlot();
    hash[0] = System.identityHashCode(o);
    return WeakRef.of(o);
  }

  @Test
  void aTenuredSharedCell_takesItsTwinsPlaceInTheSlot() {
    Object o = objectWithAFreeSlot();
    WeakRef<Object> shared = WeakRef.of(o);
    int hash = System.identityHashCode(o);
    for (int i = 0; i < 4 && !(Engine.TABLE.nodeOf(o, hash) instanceof Cell.Tenured); i++) {
      Reclaimer.collect();
    }
    Cell twin = assertInstanceOf(Cell.Tenured.class, Engine.TABLE.nodeOf(o, hash));
    assertSame(twin, slotOf(o), "the slot still holds the cell the twin replaced");
    assertSame(shared, WeakRef.of(o));
    Reference.reachabilityFence(o);
  }

  @Test
  void aGroupBackToALoneCell_keepsTheSharedCellInTheSlot() {
    Object o = objectWithAFreeSlot();
    WeakRef<Object> shared = WeakRef.of(o);
    Cell sharedCell = slotOf(o);
    assertTrue(sharedCell != null && sharedCell.get() == shared);
    addCallbackRefAndDropIt(o);
    int hash = System.identityHashCode(o);
    assertInstanceOf(Group.class, Engine.TABLE.nodeOf(o, hash));
    assertSame(shared, WeakRef.of(o), "through the slot, a group member");
    for (int i = 0; i < 4 && !(Engine.TABLE.nodeOf(o, hash) instanceof Cell); i++) {
      Reclaimer.collect();
    }
    Cell lone = assertInstanceOf(Cell.class, Engine.TABLE.nodeOf(o, hash));
    assertSame(shared, lone.get());
    assertSame(lone, slotOf(o), "the slot holds the lone cell (or its tenured twin) again");
    assertEquals(0, Engine.TABLE.sharedSlotsUnlinked());
    Reference.reachabilityFence(o);
  }

  private static void addCallbackRefAndDropIt(Object o) {
    new WeakRef<>(o, r -> {});
  }

  @Test
  void aGroupsSharedMember_isTenuredInItsSlot_andLeavesItWhenItsReferentDies() {
    int[] hash = new int[1];
    List<WeakRef<Object>> refs = sharedAndCallbackRefOfADroppedObject(hash);
    for (int i = 0; i < 4 && !(Engine.TABLE.sharedSlotCell(hash[0]) instanceof Cell.Tenured);
        i++) {
      Reclaimer.collect(); // the referent is held by refs.get(2) until it is dropped below
    }
    Cell tenured = assertInstanceOf(Cell.Tenured.class, Engine.TABLE.sharedSlotCell(hash[0]));
    assertSame(refs.get(0), tenured.get(), "the slot holds the shared member's tenured twin");
    assertEquals(0, Engine.TABLE.sharedSlotsUnlinked());
    refs.remove(2); // the referent itself
    Reclaimer.collect();
    assertNull(refs.get(0).get());
    assertNotSame(tenured, Engine.TABLE.sharedSlotCell(hash[0]), "the slot kept a dead group's");
    assertEquals(0, Engine.TABLE.sharedSlotsUnlinked());
  }

  /** The shared ref, a ref with a callback, and (last, to drop) the referent itself. */
  @SuppressWarnings("unchecked")
  private static List<WeakRef<Object>> sharedAndCallbackRefOfADroppedObject(int[] hash) {
    Object o = objectWithAFreeSlot();
    hash[0] = System.identityHashCode(o);
    List<Object> refs = new ArrayList<>();
    refs.add(WeakRef.of(o));
    refs.add(new WeakRef<>(o, r -> {}));
    refs.add(o);
    return (List<WeakRef<Object>>) (List<?>) refs;
  }

  /** Two referents for the cases on a table of their own, and the key they share handles under. */
  private final Object x = new Object();
  private final Object y = new Object();
  private static final Object KEY = "K";

  @Test
  void referentsOfTwoHashesSharingASlot_eachFindTheirOwn() {
    HandleTable table = HandleTableTest.plainTable();
    int hx = 42;
    int hy = 42 + (1 << 25); // the same low twelve bits, another segment: the same slot
    Object sx = table.shared(x, hx, KEY, WeakReference::new);
    Object sy = table.shared(y, hy, KEY, WeakReference::new);
    assertSame(table.sharedSlotCell(hx), table.sharedSlotCell(hy), "one slot for both");
    assertSame(sx, table.sharedFast(x, hx, KEY));
    assertSame(sy, table.sharedFast(y, hy, KEY), "found in its bucket while x keeps the slot");
    assertSame(sx, table.sharedSlotCell(hy).get(), "the first to take a slot keeps it");
    assertNull(table.sharedFast(y, hx, KEY), "y under x's hash");
    Reference.reachabilityFence(List.of(x, y, sx, sy));
  }

  /**
   * Referents whose hashes share a slot (here, all of them: one hash): the first keeps it, and
   * each referent is handed its own shared handle, never the other's.
   */
  @Test
  void referentsSharingASlot_neverGetEachOthersHandle() {
    HandleTable table = HandleTableTest.plainTable();
    Object hx = table.shared(x, 42, KEY, WeakReference::new);
    assertSame(hx, table.sharedFast(x, 42, KEY));
    assertNull(table.sharedFast(y, 42, KEY), "y has no shared handle yet");
    Object hy = table.shared(y, 42, KEY, WeakReference::new);
    assertNotSame(hx, hy);
    assertSame(hy, table.sharedFast(y, 42, KEY), "found in its bucket while x keeps the slot");
    assertSame(hx, table.sharedFast(x, 42, KEY));
    assertSame(hx, table.shared(x, 42, KEY, r -> {
      throw new AssertionError("x is shared already");
    }));
    assertSame(hx, table.sharedFast(x, 42, KEY));
    assertNull(table.sharedFast(x, 42, "other key"));
    Reference.reachabilityFence(List.of(x, y, hx, hy));
  }

  /**
   * The slots' invariant under a mixed workload on the engine's table: shared refs made, kept,
   * dropped, their referents dying, groups formed with refs that have callbacks, collections and
   * sweeps between. No slot ever holds a cell the table does not link.
   */
  @Test
  void noSlotEverHoldsACellTheTableDoesNotLink() {
    SplittableRandom random = new SplittableRandom(19);
    List<Object> objects = new ArrayList<>();
    List<Object> kept = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < 5_000; i++) {
        Object o = random.nextInt(3) == 0 && !objects.isEmpty()
            ? objects.get(random.nextInt(objects.size())) : new Object();
        objects.add(o);
        WeakRef<Object> shared = WeakRef.of(o);
        if (random.nextInt(4) == 0) {
          kept.add(shared);
        }
        if (random.nextInt(8) == 0) {
          kept.add(new WeakRef<>(o, r -> {}));
        }
      }
      for (int i = objects.size() - 1; i >= 0; i--) {
        if (random.nextBoolean()) {
          objects.remove(i);
        }
      }
      if (round % 2 == 1) {
        kept.subList(0, kept.size() / 2).clear();
      }
      Reclaimer.collect();
      assertEquals(0, Engine.TABLE.sharedSlotsUnlinked(), "after round " + round);
    }
    Reference.reachabilityFence(kept);
  }

  /**
   * Threads asking for the shared refs of the same objects at once, each in its own order: in the
   * first round the slots are filled (under the locks) while others read them, and the refs are
   * created by whichever thread comes first; every thread gets the one shared ref of each object.
   */
  @Test
  void threadsAskingAtOnce_allGetTheOneSharedRefOfEachObject() throws Exception {
    int threads = 4;
    Object[] objects = new Object[4_096];
    for (int i = 0; i < objects.length; i++) {
      objects[i] = new Object();
    }
    Object[][] seen = new Object[threads][objects.length];
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> running = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int round = 0; round < 20; round++) {
            for (int k = 0; k < objects.length; k++) {
              int i = me % 2 == 0 ? k : objects.length - 1 - k;
              WeakRef<Object> ref = WeakRef.of(objects[i]);
              if (seen[me][i] == null) {
                seen[me][i] = ref;
              } else if (seen[me][i] != ref) {
                throw new AssertionError("object " + i + " got a second shared ref");
              }
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      running.add(thread);
      thread.start();
    }
    for (Thread thread : running) {
      thread.join();
    }
    assertEquals(List.of(), failures);
    for (int i = 0; i < objects.length; i++) {
      for (int t = 1; t < threads; t++) {
        assertSame(seen[0][i], seen[t][i], "object " + i);
      }
      assertEquals(1, Reclaimer.weakRefCount(objects[i]));
    }
    assertEquals(0, Engine.TABLE.sharedSlotsUnlinked());
  }
}
