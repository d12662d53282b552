package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The engine's table of tracked handles (issue 19): no record for a referent's first handle, a
 * group from the second on, cells of dropped handles swept, survivors tenured onto the queue, and
 * referents of the same identity hash kept apart.
 */
final class HandleTableTest {

  private static Node nodeOf(Object referent) {
    return Engine.TABLE.nodeOf(referent, System.identityHashCode(referent));
  }

  @Test
  void firstRef_isALoneCell_withNoRecordOfTheReferent() {
    Object o = new Object();
    WeakRef<Object> wr = new WeakRef<>(o, r -> {});
    Cell cell = assertInstanceOf(Cell.class, nodeOf(o));
    assertSame(wr, cell.get());
    assertEquals(Object.class, cell.kind.type);
    assertEquals(System.identityHashCode(o), cell.hash);
    Reference.reachabilityFence(wr);
  }

  @Test
  void secondHandle_makesAGroup_newestFirst_andTheLastLeft_isALoneCellAgain() {
    Object o = new Object();
    List<Object> fired = new CopyOnWriteArrayList<>();
    List<WeakRef<Object>> refs = new ArrayList<>();
    refs.add(new WeakRef<>(o, fired::add));
    refs.add(new WeakRef<>(o, fired::add));
    Group g = assertInstanceOf(Group.class, nodeOf(o));
    assertSame(refs.get(1), g.members.get());
    assertSame(refs.get(0), g.members.next.get());
    assertEquals(List.of(refs.get(1), refs.get(0)), Reclaimer.weakRefs(o));
    WeakRef<Object> older = refs.get(0);
    refs.remove(1);
    for (int i = 0; i < 5 && !(nodeOf(o) instanceof Cell); i++) {
      Reclaimer.collect();
    }
    Cell lone = assertInstanceOf(Cell.class, nodeOf(o), "the group outlived its second handle");
    assertSame(older, lone.get());
    assertEquals(1, Reclaimer.weakRefCount(o));
    o = null;
    Reclaimer.collect();
    assertEquals(List.of(older), fired);
    Reference.reachabilityFence(refs);
  }

  @Test
  void cellThatOutlivesCollections_isTenured_andUnlinkedSoonAfterItsHandleIsDropped() {
    Object o = new Object();
    List<WeakRef<Object>> refs = new ArrayList<>();
    refs.add(new WeakRef<>(o, r -> {}));
    assertFalse(nodeOf(o) instanceof Cell.Tenured);
    for (int i = 0; i < 3 && !(nodeOf(o) instanceof Cell.Tenured); i++) {
      Reclaimer.collect();
    }
    assertInstanceOf(Cell.Tenured.class, nodeOf(o), "a cell alive after two sweeps joins the queue");
    refs.clear();
    // The collector enqueues the tenured cell, the engine marks its bucket, the next sweep unlinks.
    for (int i = 0; i < 3 && Tracking.hasRecord(o); i++) {
      Reclaimer.collect();
    }
    assertFalse(Tracking.hasRecord(o), "the dropped ref's tenured cell was never unlinked");
    assertEquals(0, Reclaimer.weakRefCount(o));
  }

  @Test
  void referentsOfTheSameIdentityHash_areKeptApart_andEachIsTakenAsOneReferent() {
    HandleTable table = plainTable(42);
    Object x = new Object();
    Object y = new Object();
    List<WeakReference<Object>> handles = new ArrayList<>();
    track(table, x, handles);
    track(table, y, handles);
    track(table, x, handles);
    assertEquals(2, table.liveCount(x, 42));
    assertEquals(1, table.liveCount(y, 42));
    assertEquals(List.of(handles.get(2), handles.get(0)), table.liveHandles(x, 42));
    assertEquals(List.of(handles.get(1)), table.liveHandles(y, 42));
    assertInstanceOf(Group.class, table.nodeOf(x, 42));
    assertInstanceOf(Cell.class, table.nodeOf(y, 42));
    assertNull(table.takeDead(42), "nothing is dead yet");

    x = null;
    y = null;
    Reclaimer.collect(); // clears the handles' references: both referents died
    Node taken = table.takeDead(42);
    assertTrue(taken != null && taken.next != null && taken.next.next == null,
        "two referents taken, one node each");
    Group gx = assertInstanceOf(Group.class, taken instanceof Group ? taken : taken.next);
    Cell cy = assertInstanceOf(Cell.class, taken instanceof Cell ? taken : taken.next);
    assertSame(handles.get(2), gx.members.get());
    assertSame(handles.get(1), cy.get());
    assertNull(table.takeDead(42), "a referent is taken once");
    Reference.reachabilityFence(handles);
  }

  private static void track(HandleTable table, Object referent, List<WeakReference<Object>> handles) {
    WeakReference<Object> h = new WeakReference<>(referent);
    handles.add(h);
    table.add(referent, 42, h, CellKind.of(Object.class, null, null));
  }

  @Test
  void theSharedRef_isFoundInAGroupBehindNewerRefs() {
    Object o = new Object();
    WeakRef<Object> shared = WeakRef.of(o);
    List<WeakRef<Object>> newer = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      newer.add(new WeakRef<>(o, r -> {}));
    }
    assertSame(shared, WeakRef.of(o));
    assertSame(shared, Tracking.sharedIfPresent(o, WeakRef.class), "the hint of the group");
    assertEquals(11, Reclaimer.weakRefCount(o));
    Reference.reachabilityFence(newer);
  }

  @Test
  void aGroupSharedUnderTwoKeys_hintsOnlyItsFirstKey_andTheLockFreeLookNeverHandsOutTheOther() {
    HandleTable table = plainTable();
    Object o = new Object();
    Object keyA = "A";
    Object keyB = "B";
    List<WeakReference<Object>> handles = new ArrayList<>();
    track(table, o, handles); // a handle that is not shared: the shared ones make a group
    Object a = table.shared(o, 42, keyA, WeakReference::new);
    Group g = assertInstanceOf(Group.class, table.nodeOf(o, 42));
    assertSame(keyA, g.hintKey);
    assertSame(a, table.sharedFast(o, 42, keyA));
    Object b = table.shared(o, 42, keyB, WeakReference::new);
    assertSame(b, table.shared(o, 42, keyB, r -> fail("b is alive and shared already")));
    assertSame(keyA, g.hintKey, "the hint's key is written once");
    Object fast = table.sharedFast(o, 42, keyB);
    assertTrue(fast == null || fast == b, "the lock-free look may miss, never be wrong: " + fast);
    assertSame(a, table.sharedFast(o, 42, keyA), "b did not take a's hint");
    assertSame(a, table.shared(o, 42, keyA, r -> fail("a is alive and shared already")));
    assertEquals(3, table.liveCount(o, 42));
    Reference.reachabilityFence(List.of(a, b, handles, o));
  }

  /**
   * An object with a shared ref ({@code WeakRef.of(o)}, a lone shared cell) gets a second shared
   * key (a proxy): the group that then forms hinted the second key, so every later
   * {@code WeakRef.of(o)} missed the lock-free look and took the segment's lock.
   */
  @Test
  void aGroupFormedFromALoneSharedCell_keepsHintingThatCellsKey() {
    HandleTable table = plainTable();
    Object o = new Object();
    Object keyA = "A";
    Object keyB = "B";
    Object a = table.shared(o, 42, keyA, WeakReference::new); // a lone cell, shared under A
    assertInstanceOf(Cell.class, table.nodeOf(o, 42));
    Object b = table.shared(o, 42, keyB, WeakReference::new); // the second key makes the group
    Group g = assertInstanceOf(Group.class, table.nodeOf(o, 42));
    assertSame(keyA, g.hintKey, "the first key keeps the hint");
    assertSame(a, table.sharedFast(o, 42, keyA), "the first key's lock-free look misses");
    assertSame(b, table.shared(o, 42, keyB, r -> fail("b is alive and shared already")));
    assertSame(a, table.sharedFast(o, 42, keyA), "b took a's hint");
    Object fast = table.sharedFast(o, 42, keyB);
    assertTrue(fast == null || fast == b, "the lock-free look may miss, never be wrong: " + fast);
    Reference.reachabilityFence(List.of(a, b, o));
  }

  /**
   * Handles that are plain weak references, whose referents all announce {@code sameHash}; if it is
   * null, none is asked: the test passes the hashes itself.
   */
  private record Plain(@Nullable Integer sameHash) implements HandleAccess {
    @Override
    public Reference<?> referenceOf(Object handle) {
      return (Reference<?>) handle;
    }

    @Override
    public int referentHash(Reference<?> reference) {
      if (sameHash == null) {
        throw new UnsupportedOperationException("the test passes hashes itself");
      }
      return sameHash;
    }
  }

  @Test
  void deathsOfTenuredRefsReferents_shrinkTheTableBackToItsMinimum() {
    HandleTable table = plainTable();
    int minimum = table.capacity();
    int n = 20_000;
    List<Object> referents = new ArrayList<>();
    List<WeakReference<Object>> handles = new ArrayList<>();
    int[] hashes = track(table, n, null, referents, handles);
    for (int i = 0; i < 3; i++) {
      table.sweep(); // ages, then tenures: no bucket is dirty any more
    }
    int peak = table.capacity();
    assertTrue(peak >= n, "the table did not grow: " + peak);

    referents.clear(); // the referents die while their refs are still held
    Reclaimer.collect();
    takeAll(table, hashes); // as the engine does for each ref the collector enqueued
    assertEquals(peak, table.capacity(), "the deaths shrank the table at once");
    // The table keeps the size it needed until SHRINK_AFTER_SWEEPS sweeps in a row found it
    // oversized, each looking at a whole interval, so that a stream of refs, steady or in bursts,
    // does not regrow it after every sweep. The first sweep still sees the peak of its interval.
    for (int i = 0; i < HandleTable.SHRINK_AFTER_SWEEPS; i++) {
      table.sweep();
      assertEquals(peak, table.capacity(), "shrank at sweep " + (i + 1));
    }
    table.sweep();
    assertTrue(table.capacity() <= 2 * minimum,
        "the table kept " + table.capacity() + " buckets of its peak " + peak + " (minimum "
            + minimum + ") after every referent died");
    Reference.reachabilityFence(handles);
  }

  /**
   * Issue 19's cost per ref: a stream of refs to fresh objects fills the table to the same size
   * between every two collections; a sweep that shrank it made every ref of the next interval pay
   * for the rehashes of growing it back. The table keeps its size for one more interval.
   */
  @Test
  void aSteadyStreamOfDroppedRefs_keepsItsBuckets_untilAWholeIntervalDidNotNeedThem() {
    HandleTable table = plainTable();
    int minimum = table.capacity();
    int n = 20_000;
    List<Object> keep = new ArrayList<>();
    int[] hashes = addDropped(table, n, null, keep);
    int peak = table.capacity();
    assertTrue(peak >= n, "the table did not grow: " + peak);
    Reclaimer.collect(); // clears the cells of the dropped handles
    table.sweep();
    assertEquals(peak, table.capacity(), "the sweep shrank the table the stream fills again");
    // The same hashes again: fresh identity hashes could load some segment more than the first
    // interval did and grow it, which is no regrowth of what the sweep kept.
    addDropped(table, n, hashes, keep);
    assertEquals(peak, table.capacity(), "the next interval's refs grew the table again");
    Reclaimer.collect();
    for (int i = 0; i <= HandleTable.SHRINK_AFTER_SWEEPS; i++) {
      table.sweep(); // the intervals without refs: the buckets go back after the last
    }
    assertTrue(table.capacity() <= 2 * minimum, "kept " + table.capacity() + " of " + peak);
    Reference.reachabilityFence(keep);
  }

  /**
   * Issue 19's cost per ref, in bursts: refs to a burst of objects whose referents all die, then,
   * a collection later, the next burst. Giving the buckets back as the first burst died made every
   * ref of the second pay for the rehashes of growing the table again.
   */
  @Test
  void aBurstAfterABurstDied_growsNoTableAgain() {
    HandleTable table = plainTable();
    int n = 20_000;
    List<WeakReference<Object>> handles = new ArrayList<>();
    int[] hashes = burstThatDies(table, n, null, handles);
    int peak = table.capacity();
    takeAll(table, hashes);
    table.sweep();
    table.sweep();
    AtomicInteger rehashes = new AtomicInteger();
    table.allocationHook = length -> rehashes.incrementAndGet();
    // The same hashes again, so that no segment is loaded more than by the first burst.
    burstThatDies(table, n, hashes, handles);
    assertEquals(0, rehashes.get(), "the second burst rehashed the table");
    assertEquals(peak, table.capacity());
    Reference.reachabilityFence(handles);
  }

  @Test
  void trim_givesTheBucketsOfDeadReferentsBackAtOnce() {
    HandleTable table = plainTable();
    int minimum = table.capacity();
    List<WeakReference<Object>> handles = new ArrayList<>();
    int[] hashes = burstThatDies(table, 20_000, null, handles);
    takeAll(table, hashes);
    table.trim(); // as the engine thread does when it ends for want of work
    assertEquals(minimum, table.capacity());
    Reference.reachabilityFence(handles);
  }

  @Test
  void takingManyHashesAtOnce_takesEachDeadReferentOnce_asOneCallPerHashWould() {
    HandleTable table = plainTable();
    List<WeakReference<Object>> handles = new ArrayList<>();
    List<Object> kept = new ArrayList<>();
    int[] alive = track(table, 100, null, kept, handles); // across the segments, kept alive
    int[] dead = burstThatDies(table, 300, null, handles);
    int n = dead.length + 2 + alive.length;
    int[] hashes = new int[n];
    System.arraycopy(dead, 0, hashes, 0, dead.length);
    hashes[dead.length] = dead[7]; // given twice: its second occurrence finds nothing left
    hashes[dead.length + 1] = dead[150];
    System.arraycopy(alive, 0, hashes, dead.length + 2, alive.length);
    Node[] out = new Node[n];
    boolean[] took = new boolean[n];
    table.takeDead(hashes, n, out, took, new long[n]);

    java.util.Set<Object> takenHandles = java.util.Collections.newSetFromMap(
        new java.util.IdentityHashMap<>());
    for (int k = 0; k < n; k++) {
      assertTrue(took[k], "hash " + k + " was not taken");
      for (Node node = out[k]; node != null; node = node.next) {
        assertEquals(0, (node.hash ^ hashes[k]) & HandleTable.HASH_MASK, "a node of another hash");
        assertTrue(takenHandles.add(node.get()), "a node taken twice");
        assertTrue(k < dead.length, "a live referent's node, or a dead one's taken twice, at " + k);
      }
    }
    assertEquals(dead.length, takenHandles.size(), "every dead referent's node, once");
    assertNull(out[dead.length]);
    assertNull(out[dead.length + 1]);
    for (int hash : dead) {
      assertNull(table.takeDead(hash), "taken already");
    }
    for (Object o : kept) {
      assertEquals(1, table.liveCount(o, System.identityHashCode(o)), "a live referent lost its node");
    }
    Reference.reachabilityFence(handles);
  }

  /** A table whose handles are plain weak references; also for {@link SharedSlotsTest}. */
  static HandleTable plainTable() {
    return plainTable(null);
  }

  /** The same, whose referents all announce {@code sameHash} if it is not null: see {@link Plain}. */
  private static HandleTable plainTable(@Nullable Integer sameHash) {
    HandleTable table = new HandleTable(new ReferenceQueue<>());
    table.connect(new Plain(sameHash));
    return table;
  }

  /** Takes the nodes of the referents of {@code hashes}, as the engine does for each dead one. */
  private static void takeAll(HandleTable table, int[] hashes) {
    for (int hash : hashes) {
      table.takeDead(hash);
    }
  }

  /**
   * Tracks a handle to each of {@code n} fresh objects, all kept, under {@code given} hashes if
   * any, else under their identity hashes; returns the hashes.
   */
  private static int[] track(HandleTable table, int n, int @Nullable [] given,
      List<Object> referents, List<WeakReference<Object>> handles) {
    int[] hashes = new int[n];
    for (int i = 0; i < n; i++) {
      Object o = new Object();
      hashes[i] = given != null ? given[i] : System.identityHashCode(o);
      WeakReference<Object> h = new WeakReference<>(o);
      referents.add(o);
      handles.add(h);
      table.add(o, hashes[i], h, CellKind.of(Object.class, null, null));
    }
    return hashes;
  }

  private static int[] burstThatDies(HandleTable table, int n, int @Nullable [] given,
      List<WeakReference<Object>> handles) {
    List<Object> referents = new ArrayList<>();
    int[] hashes = track(table, n, given, referents, handles);
    referents.clear();
    Reclaimer.collect();
    return hashes;
  }

  /**
   * Tracks {@code n} handles to fresh objects, which are kept, and drops the handles; the objects
   * are tracked under {@code hashes} if given, else under their identity hashes. Returns the hashes.
   */
  private static int[] addDropped(HandleTable table, int n, int @Nullable [] hashes,
      List<Object> referents) {
    return track(table, n, hashes, referents, new ArrayList<>()); // the handles' list is dropped
  }

  @Test
  void outOfMemoryInAResize_losesNoHandle_andGrowingResumesLater() {
    HandleTable table = plainTable();
    AtomicInteger refused = new AtomicInteger();
    table.allocationHook = length -> {
      refused.incrementAndGet();
      throw new OutOfMemoryError("injected: new arrays of " + length);
    };
    List<Object> referents = new ArrayList<>();
    List<WeakReference<Object>> handles = new ArrayList<>();
    int n = 200; // hashes 0..n-1: all in one segment, which wants to grow past 16 buckets
    for (int i = 0; i < n; i++) {
      Object o = new Object();
      WeakReference<Object> h = new WeakReference<>(o);
      referents.add(o);
      handles.add(h);
      try {
        table.add(o, i, h, CellKind.of(Object.class, null, null));
      } catch (OutOfMemoryError e) {
        fail("add failed after it had linked the cell: " + e); // (JUnit would end the run on an OOME)
      }
    }
    assertTrue(refused.get() > 0, "no resize was attempted");
    for (int i = 0; i < n; i++) {
      assertEquals(List.of(handles.get(i)), table.liveHandles(referents.get(i), i), "handle " + i);
    }
    int before = table.capacity();
    table.allocationHook = null;
    Object last = new Object();
    table.add(last, n, new WeakReference<>(last), CellKind.of(Object.class, null, null));
    assertTrue(table.capacity() > before, "growing did not resume");
    for (int i = 0; i < n; i++) {
      assertEquals(List.of(handles.get(i)), table.liveHandles(referents.get(i), i), "handle " + i);
    }
    Reference.reachabilityFence(handles);
    Reference.reachabilityFence(last);
  }
}
