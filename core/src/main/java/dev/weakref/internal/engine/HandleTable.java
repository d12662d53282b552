package dev.weakref.internal.engine;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The tracked handles (refs, proxies) by the identity of their referent: what CPython keeps in each
 * object's {@code tp_weaklist}, for {@code getweakrefcount}, {@code getweakrefs}, the shared
 * callback-less ref and the order of callbacks.
 *
 * <p><b>No record for the first handle.</b> A bucket chains {@link Node}s: the {@link Cell} of a
 * referent's only handle, or the {@link Group} of a referent with several (created when the second
 * one is tracked). Nothing here refers to the referent strongly, and nothing is enqueued per
 * referent: every handle stands for a weak reference to its referent created with the engine's
 * queue (see {@link HandleAccess}), which the collector enqueues when the referent dies if the
 * handle is still reachable. The first of a referent's handles the engine takes off the queue makes
 * it {@linkplain #takeDead take} the referent's node out and run the callbacks of all its handles
 * still alive, newest first; the others find nothing left to do.
 *
 * <p><b>Dropped handles.</b> A cell whose handle was dropped is cleared by the collector. Every
 * bucket pushed to is marked dirty; after each collection (once the references it enqueued are
 * taken, so one sweep may serve two collections: see {@link Sweeps}) the engine
 * {@linkplain #sweep sweeps} the dirty buckets, unlinking cleared cells (and groups left without
 * any). A cell it finds alive twice is replaced by a twin registered with the engine's queue
 * ({@link Cell.Tenured}), so that a handle dropped later marks its bucket dirty when the engine
 * takes its cell off the queue: no bucket is swept unless something in it changed, or holds a cell
 * too young to be tenured.
 *
 * <p><b>Concurrency.</b> Writers lock one of 64 segments chosen by the identity hash. Only the
 * shared ref's fast path reads without the lock, first the referent's slot of shared cells
 * ({@link #sharedSlots}), then its bucket; it may miss (a node being linked, a chain being
 * rehashed or relinked, a slot taken by another referent), and is then confirmed under the lock,
 * but a hit is always right: it checks that the very referent is referred to. Callbacks run outside
 * any lock.
 *
 * <p>Longer than 450 lines on purpose: the segments, their buckets and the four things done to them
 * (link, the unlocked shared-ref read, take a dead referent's node, sweep and tenure, with the
 * rehash that must allocate before it moves anything) are one locking protocol, whose invariants
 * (a node is in exactly one chain, the table is never smaller than its high-water mark, a slot of
 * {@link #sharedSlots} holds only a linked cell, an unlocked reader never sees a hit that is
 * wrong) hold only across all of them.
 */
final class HandleTable {
  /** A hash from {@link HandleAccess#referentHash} has at least these bits. */
  static final int HASH_MASK = 0x7FFF_FFFF;
  private static final int SEGMENT_SHIFT = 25; // bits 25-30 pick a segment, the low bits a bucket
  private static final int MIN_TABLE = 16;
  /**
   * How many sweeps in a row must find a segment's table {@linkplain Segment#oversized oversized}
   * before it shrinks. A program that tracks a burst of refs, lets their referents die and tracks
   * the next burst a collection or two later (a cache refilled, a batch job) needs the same buckets
   * again: giving them back at the first sweep made every ref of the next burst pay for the
   * rehashes of growing the table back. What waiting costs is the bucket array: the table doubles
   * once it holds more nodes than buckets, so up to 2 slots per ref of the peak, 8 bytes with
   * compressed references (16 without), next to the ~80 the refs themselves took, and only for this
   * many sweeps (a sweep may serve two collections, so up to twice as many collections). When the
   * engine thread ends for want of work, {@link #trim} gives it back at once; while something else
   * keeps the thread alive and no collection comes, the table keeps its peak size.
   */
  static final int SHRINK_AFTER_SWEEPS = 4;
  /** How many {@link #sharedSlots} (16 KB with compressed references). */
  private static final int SHARED_SLOTS = 4096;

  private final ReferenceQueue<Object> queue;
  private final Segment[] segments = new Segment[64];
  /**
   * Shared cells direct-mapped by their referent's identity hash ({@link #sharedSlot}): the hot
   * path of reuse ({@code WeakRef.of(o)} again and again on the same objects) reads one slot here
   * instead of walking the segment, its bucket array and the chain. A shared cell created or found
   * under the lock takes its slot if the slot is empty, and keeps it while it is linked: the first
   * long-lived shared refs keep their slots, rather than a stream of later ones taking them in
   * turn (an object whose slot is taken is found in its bucket, as before). A slot holds only a
   * linked cell (a sweep or a death that unlinks a cell empties its slot or puts the tenured twin in
   * it, under the lock the cell was put there under: see {@link #sharedSlot}), so the slots keep
   * nothing alive that the buckets do not. Read without a lock, a slot is a hint like the table's:
   * a hit is checked as the table's is.
   */
  private final @Nullable Cell[] sharedSlots = new Cell[SHARED_SLOTS];
  private volatile @Nullable HandleAccess access;
  /**
   * A test seam: when set, runs before a segment's new arrays are allocated (with the new length),
   * so that a test can throw the {@code OutOfMemoryError} that allocation could. Off the hot paths.
   */
  volatile @Nullable IntConsumer allocationHook;

  HandleTable(ReferenceQueue<Object> queue) {
    this.queue = queue;
    for (int i = 0; i < segments.length; i++) {
      segments[i] = new Segment();
    }
  }

  /** Installs how handles are read; once. */
  synchronized void connect(HandleAccess handles) {
    HandleAccess a = access;
    if (a != null && a != handles) {
      throw new IllegalStateException("the engine's handle access is installed already: " + a);
    }
    access = handles;
  }

  HandleAccess access() {
    HandleAccess a = access;
    if (a == null) {
      a = connectDefault();
    }
    return a;
  }

  /**
   * Installs {@code dev.weakref}'s handle access: initializing the class that holds it connects it.
   * Needed only when a proxy (whose handler is built in another package, with
   * {@link Tracking#queue()}) was the first handle the program tracked.
   */
  private HandleAccess connectDefault() {
    try {
      Class.forName("dev.weakref.TrackedHandles", true, HandleTable.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("no handle access installed: Tracking.connect was not called", e);
    }
    HandleAccess a = access;
    if (a == null) {
      throw new IllegalStateException("no handle access installed: Tracking.connect was not called");
    }
    return a;
  }

  private Segment segmentFor(int hash) {
    return segments[(hash >>> SEGMENT_SHIFT) & 63];
  }

  /**
   * The slot of {@link #sharedSlots} for {@code hash}: its low bits. Cells of different segments may
   * share a slot; what keeps a slot from holding an unlinked cell is that a cell is put in a slot
   * and unlinked (its slot emptied if it holds the cell) under the lock of the cell's own segment,
   * so no write of that cell can come after its unlink, and another segment's write can only take
   * the cell out.
   */
  private static int sharedSlot(int hash) {
    return hash & (SHARED_SLOTS - 1);
  }

  /** Whether {@code n} is the live node of {@code referent}. */
  private boolean isNodeOf(Node n, Object referent) {
    if (n instanceof Group) {
      return n.refersTo(referent);
    }
    Object handle = n.get();
    return handle != null && handleRefersTo(handle, referent);
  }

  /**
   * Whether {@code handle}'s reference refers to {@code referent}. A handle that is a reference is
   * its own (see {@link HandleAccess#referenceOf}): read without the access's interface call, on
   * the hot path of reuse.
   */
  private boolean handleRefersTo(Object handle, Object referent) {
    // A proxy read without a lock could show its handler unwritten yet: a miss, as a cell's kind.
    Reference<?> ref = handle instanceof Reference<?> r ? r : access().referenceOf(handle);
    return ref != null && refersTo(ref, referent);
  }

  @SuppressWarnings("unchecked")
  private static boolean refersTo(Reference<?> ref, @Nullable Object referent) {
    return ((Reference<Object>) ref).refersTo(referent);
  }

  /* ---- For the tracking API: any thread ---- */

  /** Tracks {@code handle}, newest first among the handles of {@code referent}. */
  void add(Object referent, int hash, Object handle, CellKind kind) {
    Cell cell = new Cell(handle, hash, kind);
    Segment s = segmentFor(hash);
    synchronized (s) {
      s.add(referent, cell);
    }
  }

  /**
   * The handle shared under {@code key}, if a lock-free look finds it; may miss one. Small on
   * purpose: the slot's look is all that its callers ({@code WeakRef.of}) inline, so that they stay
   * small enough to be inlined where they are called; the bucket's walk is a call.
   */
  @Nullable Object sharedFast(Object referent, int hash, Object key) {
    Cell slotted = sharedSlots[sharedSlot(hash)];
    Object found;
    // The hash first: a slot another referent holds costs no load of its cell's kind or handle
    // (and under a concurrent collector no keep-alive read of a handle that is not asked for).
    if (slotted != null && slotted.hash == hash && slotted.sharedUnder(key)
        && (found = slotted.get()) != null && handleRefersTo(found, referent)) {
      return found;
    }
    return sharedInBucket(referent, hash, key);
  }

  /** {@link #sharedFast}'s look in the bucket, when the slot held another cell or none. */
  private @Nullable Object sharedInBucket(Object referent, int hash, Object key) {
    @Nullable Node[] t = segmentFor(hash).table;
    for (Node n = t[hash & (t.length - 1)]; n != null; n = n.next) {
      if (n.hash != hash) {
        continue;
      }
      if (n instanceof Group g) { // final: one class compare, where Cell's test walks supertypes
        if (g.refersTo(referent)) {
          // The hint's key is written once and every hint is shared under it (see Group.hintKey),
          // and a hint is a member of this group, so its handle is referent's; still checked, as on
          // the other paths, so that a hint and its handle seen before their writes only miss.
          Cell c;
          Object handle;
          return g.hintKey == key && (c = g.sharedHint) != null && (handle = c.get()) != null
              && handleRefersTo(handle, referent) ? handle : null;
        }
      } else {
        Cell c = (Cell) n;
        Object handle;
        if (c.sharedUnder(key) && (handle = c.get()) != null && handleRefersTo(handle, referent)) {
          return handle;
        }
      }
    }
    return null;
  }

  /**
   * Returns the live handle that {@code referent} shares under {@code key}, creating and tracking it
   * with {@code factory} (under the segment's lock) when there is none.
   */
  Object shared(Object referent, int hash, Object key, Function<Object, ?> factory) {
    Segment s = segmentFor(hash);
    synchronized (s) {
      Node n = s.find(referent, hash);
      if (n instanceof Cell c) {
        Object handle;
        if (c.sharedUnder(key) && (handle = c.get()) != null) {
          remember(hash, c);
          return handle;
        }
      } else if (n instanceof Group g) {
        for (Node m = g.members; m != null; m = m.next) {
          Cell c = (Cell) m;
          Object handle;
          if (c.sharedUnder(key) && (handle = c.get()) != null) {
            g.hint(c, key);
            remember(hash, c);
            return handle;
          }
        }
      }
      Object created = factory.apply(referent);
      if (created == null) {
        throw new NullPointerException("the shared handle factory returned null");
      }
      Cell cell = new Cell(created, hash, CellKind.of(referent.getClass(), null, key));
      if (s.add(referent, cell) instanceof Group g) {
        g.hint(cell, key);
      }
      remember(hash, cell);
      return created;
    }
  }

  /**
   * Puts {@code cell}, linked and shared, in its slot of {@link #sharedSlots} if that is empty;
   * hold its lock.
   */
  private void remember(int hash, Cell cell) {
    int slot = sharedSlot(hash);
    if (sharedSlots[slot] == null) {
      sharedSlots[slot] = cell;
    }
  }

  /** How many live handles refer to {@code referent}. */
  int liveCount(Object referent, int hash) {
    Segment s = segmentFor(hash);
    synchronized (s) {
      return liveMembers(s.find(referent, hash), null);
    }
  }

  /** The live handles of {@code referent}, newest first. */
  List<Object> liveHandles(Object referent, int hash) {
    List<Object> out = new ArrayList<>();
    Segment s = segmentFor(hash);
    synchronized (s) {
      liveMembers(s.find(referent, hash), out);
    }
    return out;
  }

  /**
   * Counts the live handles of {@code n} (a group's members, or the lone cell itself), adding them
   * to {@code out}, newest first, unless it is null; hold the segment's lock.
   */
  private static int liveMembers(@Nullable Node n, @Nullable List<Object> out) {
    int live = 0;
    for (Node m = n instanceof Group g ? g.members : n; m != null; m = m.next) {
      if (out == null) {
        if (!m.refersTo(null)) {
          live++;
        }
      } else {
        Object handle = m.get();
        if (handle != null) {
          out.add(handle);
          live++;
        }
      }
      if (m == n) {
        break; // a lone cell: its next is the bucket's next node
      }
    }
    return live;
  }

  /** The live node of {@code referent}, or null; for tests of the engine. */
  @Nullable Node nodeOf(Object referent, int hash) {
    Segment s = segmentFor(hash);
    synchronized (s) {
      return s.find(referent, hash);
    }
  }

  /**
   * The cell in the shared slot of {@code hash}, or null; for tests of the engine, read as the
   * lock-free look reads it (a slot's writers hold the locks of different segments).
   */
  @Nullable Cell sharedSlotCell(int hash) {
    return sharedSlots[sharedSlot(hash)];
  }

  /**
   * How many shared slots hold a cell that is not linked in its segment, which none may; for tests
   * of the engine.
   */
  int sharedSlotsUnlinked() {
    int unlinked = 0;
    for (int slot = 0; slot < sharedSlots.length; slot++) {
      Cell c = sharedSlots[slot];
      if (c != null) {
        Segment s = segmentFor(c.hash);
        synchronized (s) {
          if (sharedSlots[slot] == c && !s.links(c)) {
            unlinked++;
          }
        }
      }
    }
    return unlinked;
  }

  /** Whether any node, even one of dropped handles only, is kept for {@code referent}. */
  boolean hasNode(Object referent, int hash) {
    Segment s = segmentFor(hash);
    synchronized (s) {
      @Nullable Node[] t = s.table;
      for (Node n = t[hash & (t.length - 1)]; n != null; n = n.next) {
        if (n.hash == hash && (n instanceof Group ? n.refersTo(referent) : isNodeOf(n, referent)
            || n.refersTo(null))) {
          return true; // a cleared cell of this hash may be referent's: count it until swept
        }
      }
      return false;
    }
  }

  /** Counts the live handles and the nodes, for stats. */
  long[] counts() {
    long alive = 0;
    long nodes = 0;
    for (Segment s : segments) {
      synchronized (s) {
        nodes += s.count;
        for (Node n : s.table) {
          for (; n != null; n = n.next) {
            alive += liveMembers(n, null);
          }
        }
      }
    }
    return new long[] {alive, nodes};
  }

  /**
   * Whether no node is linked: each segment's count read under its lock, so that a node linked
   * before is seen (the engine's unpinning relies on it: see {@link Engine}).
   */
  boolean isEmpty() {
    for (Segment s : segments) {
      synchronized (s) {
        if (s.count != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@link #isEmpty} without the locks: a hint, which may be stale either way. */
  boolean looksEmpty() {
    for (Segment s : segments) {
      if (s.count != 0) {
        return false;
      }
    }
    return true;
  }

  /** The buckets of all segments; for tests of the engine. */
  int capacity() {
    int buckets = 0;
    for (Segment s : segments) {
      buckets += s.table.length;
    }
    return buckets;
  }

  /* ---- For the engine thread ---- */

  /**
   * Takes out the nodes of the bucket of {@code hash} whose referent was reclaimed (and unlinks
   * cells of dropped handles on the way), linked through {@link Node#next} in bucket order.
   * Collisions are harmless: every node taken is one reclaimed referent, whichever handle's
   * reference announced it.
   *
   * @param hash a referent's identity hash; only its low 31 bits are compared
   */
  @Nullable Node takeDead(int hash) {
    Segment s = segmentFor(hash);
    synchronized (s) {
      return s.takeDead(hash);
    }
  }

  /**
   * {@link #takeDead(int)} for {@code n} hashes at once, each segment locked once for all of its
   * hashes instead of once per hash: a burst of dead referents spends a third of the engine
   * thread's time taking and releasing the segments' locks otherwise. Within a segment the hashes
   * are taken in their order here, so a hash given twice is taken by its first occurrence and the
   * second finds nothing, as two calls in that order would.
   *
   * @param hashes referents' identity hashes, at {@code [0, n)}
   * @param out where what {@code takeDead(hashes[k])} returns goes, at {@code k}
   * @param took set at {@code k} once {@code out[k]} is written: should this throw part way, what
   *     was taken is not lost
   * @param keys scratch space of at least {@code n}
   */
  void takeDead(int[] hashes, int n, @Nullable Node[] out, boolean[] took, long[] keys) {
    for (int k = 0; k < n; k++) {
      keys[k] = (long) ((hashes[k] >>> SEGMENT_SHIFT) & 63) << 32 | k;
    }
    Arrays.sort(keys, 0, n); // by segment, then by k; in place at these sizes
    for (int j = 0; j < n; ) {
      int segment = (int) (keys[j] >>> 32);
      Segment s = segments[segment];
      synchronized (s) {
        do {
          int k = (int) keys[j++];
          out[k] = s.takeDead(hashes[k]);
          took[k] = true;
        } while (j < n && (int) (keys[j] >>> 32) == segment);
      }
    }
  }

  /** Marks the bucket of {@code cell} for the next sweep: its handle was dropped. */
  void markDirty(Cell cell) {
    Segment s = segmentFor(cell.hash);
    synchronized (s) {
      s.markDirty(cell.hash & (s.table.length - 1));
    }
  }

  /** After a collection: sweeps the buckets marked dirty since the last sweep. */
  void sweep() {
    for (Segment s : segments) {
      s.sweep();
    }
  }

  /**
   * Shrinks every segment's table to what its nodes need now, without waiting for the sweeps of
   * {@link #SHRINK_AFTER_SWEEPS}: for the engine thread as it ends for want of work, after which no
   * sweep comes until something is tracked again.
   */
  void trim() {
    for (Segment s : segments) {
      synchronized (s) {
        s.trim();
      }
    }
  }

  private final class Segment {
    private volatile @Nullable Node[] table = new Node[MIN_TABLE];
    /** One bit per bucket to sweep after the next collection; guarded by this. */
    private long[] dirty = new long[1];
    private boolean anyDirty;
    /** The nodes in the buckets; guarded by this. */
    int count;
    /**
     * The most nodes the buckets held since the last sweep; guarded by this. The table is not
     * shrunk below what this and the count need: a steady stream of refs to fresh objects fills the
     * table to the same size between every two collections, and shrinking it at each sweep only
     * made every such ref pay for the rehashes of growing it back.
     */
    private int highWater;
    /** How many sweeps in a row found the table oversized; guarded by this. */
    private int oversizedSweeps;

    /** Returns the live node of {@code referent}, or null; hold the lock. */
    @Nullable Node find(Object referent, int hash) {
      @Nullable Node[] t = table;
      for (Node n = t[hash & (t.length - 1)]; n != null; n = n.next) {
        if (n.hash == hash && isNodeOf(n, referent)) {
          return n;
        }
      }
      return null;
    }

    /** Whether {@code cell} is linked here, alone in its bucket or in a group; hold the lock. */
    boolean links(Cell cell) {
      @Nullable Node[] t = table;
      for (Node n = t[cell.hash & (t.length - 1)]; n != null; n = n.next) {
        if (n == cell) {
          return true;
        }
        if (n instanceof Group g) {
          for (Node m = g.members; m != null; m = m.next) {
            if (m == cell) {
              return true;
            }
          }
        }
      }
      return false;
    }

    /**
     * Links {@code cell} in, newest first among its referent's, creating a group if the referent
     * has a lone cell; hold the lock.
     *
     * @return the referent's node now: the cell itself or a group
     */
    Node add(Object referent, Cell cell) {
      @Nullable Node[] t = table;
      int i = cell.hash & (t.length - 1);
      markDirty(i);
      Node prev = null;
      for (Node n = t[i]; n != null; prev = n, n = n.next) {
        if (n.hash == cell.hash && isNodeOf(n, referent)) {
          Group g;
          if (n instanceof Group found) {
            g = found;
            cell.next = g.members;
            g.members = cell;
          } else {
            // The second handle of this referent: its lone cell moves into a new group.
            g = new Group(referent, cell.hash);
            Cell lone = (Cell) n;
            Object key = lone.kind.shareKey;
            if (key != null) {
              // Shared (WeakRef.of(o), most often): its key is the first, so it keeps the hint, and
              // with it the lock-free look, rather than the second key's handle added below.
              g.hint(lone, key);
            }
            cell.next = n;
            g.members = cell;
            g.next = n.next;
            if (prev == null) {
              t[i] = g;
            } else {
              prev.next = g;
            }
            n.next = null;
          }
          return g;
        }
      }
      cell.next = t[i];
      t[i] = cell;
      if (++count > highWater) {
        highWater = count;
        if (count > t.length) {
          resize(t);
        }
      }
      return cell;
    }

    /**
     * Clears the {@link #sharedSlots} slot of {@code n}'s hash if it holds {@code n} or, for a
     * group, any cell of that hash (one of its members, or a colliding referent's, which only costs
     * that referent a walk); hold the lock.
     */
    private void forgetSlot(Node n) {
      int slot = sharedSlot(n.hash);
      Cell c = sharedSlots[slot];
      if (c != null && (c == n || n instanceof Group && c.hash == n.hash)) {
        sharedSlots[slot] = null;
      }
    }

    /**
     * Puts {@code by} in the {@link #sharedSlots} slot that holds {@code c}, if one does; hold the
     * lock.
     */
    private void replaceInSlot(Cell c, @Nullable Cell by) {
      int slot = sharedSlot(c.hash);
      if (sharedSlots[slot] == c) {
        sharedSlots[slot] = by;
      }
    }

    void markDirty(int bucket) {
      dirty[bucket >>> 6] |= 1L << bucket;
      anyDirty = true;
    }

    /** Doubles the table (load factor 1: buckets are short lists of distinct referents). */
    private void resize(@Nullable Node[] old) {
      rehash(old, old.length * 2);
    }

    /** Whether the table is worth shrinking: both its count and its high-water mark are low. */
    private boolean oversized(@Nullable Node[] t) {
      return t.length > MIN_TABLE && Math.max(count, highWater) < t.length >>> 3;
    }

    /** Halves the table until it is at most half full again, at its high-water mark. */
    private void shrink(@Nullable Node[] old) {
      int length = old.length;
      int need = Math.max(count, highWater);
      while (length > MIN_TABLE && need < length >>> 2) {
        length >>>= 1;
      }
      rehash(old, length);
    }

    /**
     * Moves the nodes into a table of {@code length} buckets. Allocates everything first: without
     * the memory it changes nothing (the chains stay whole, the table keeps its size) and the next
     * add or death that wants a new size tries again.
     */
    private void rehash(@Nullable Node[] old, int length) {
      @Nullable Node[] t;
      long[] newDirty;
      try {
        IntConsumer hook = allocationHook;
        if (hook != null) {
          hook.accept(length);
        }
        t = new Node[length];
        newDirty = new long[Math.max(1, length >>> 6)];
      } catch (OutOfMemoryError e) {
        return;
      }
      for (Node n : old) {
        while (n != null) {
          Node next = n.next;
          int i = n.hash & (t.length - 1);
          n.next = t[i];
          t[i] = n;
          n = next;
        }
      }
      long[] oldDirty = dirty;
      dirty = newDirty;
      for (int i = 0; i < old.length; i++) {
        if ((oldDirty[i >>> 6] & (1L << i)) != 0) { // what the old bucket held is to be swept still
          for (int j = i & (t.length - 1); j < t.length; j += old.length) {
            markDirty(j);
          }
        }
      }
      table = t; // volatile write publishes the relinked chains to lock-free readers
    }

    @Nullable Node takeDead(int hash) {
      @Nullable Node[] t = table;
      int i = hash & (t.length - 1);
      HandleAccess handles = access();
      Node taken = null;
      Node last = null;
      Node prev = null;
      for (Node n = t[i]; n != null; ) {
        Node next = n.next;
        boolean take = false;
        boolean drop = false;
        if (((n.hash ^ hash) & HASH_MASK) == 0) {
          if (n instanceof Group) {
            take = n.refersTo(null);
          } else {
            Object handle = n.get();
            drop = handle == null;
            take = !drop && handles.referenceOf(handle).refersTo(null);
          }
        }
        if (take || drop) {
          if (prev == null) {
            t[i] = next;
          } else {
            prev.next = next;
          }
          count--;
          forgetSlot(n);
          if (take) {
            n.next = null;
            if (last == null) {
              taken = n;
            } else {
              last.next = n;
            }
            last = n;
          }
        } else {
          prev = n;
        }
        n = next;
      }
      // No shrink here, even when a burst of referents has died: the sweeps do it, once the table
      // was oversized for SHRINK_AFTER_SWEEPS of them, and trim() when the engine thread ends.
      return taken;
    }

    /** Sweeps the dirty buckets, locking one word of the bitmap (64 buckets) at a time. */
    void sweep() {
      for (int word = 0; ; word++) {
        synchronized (this) {
          if (word == 0) {
            if (!anyDirty) {
              settle();
              return;
            }
            anyDirty = false; // a push from here on marks it again, for the next sweep
          }
          long[] d = dirty;
          while (word < d.length && d[word] == 0) {
            word++;
          }
          if (word >= d.length) {
            settle();
            return;
          }
          long bits = d[word];
          d[word] = 0;
          @Nullable Node[] t = table;
          while (bits != 0) {
            sweepBucket(t, (word << 6) + Long.numberOfTrailingZeros(bits));
            bits &= bits - 1;
          }
        }
      }
    }

    /**
     * At the end of a sweep: gives back the buckets of a burst of handles that has died, once the
     * table was oversized at {@link #SHRINK_AFTER_SWEEPS} sweeps in a row, each looking at the peak
     * of the whole interval before it; hold the lock.
     */
    private void settle() {
      @Nullable Node[] t = table;
      if (!oversized(t)) {
        oversizedSweeps = 0;
      } else if (++oversizedSweeps >= SHRINK_AFTER_SWEEPS) {
        oversizedSweeps = 0;
        shrink(t);
      }
      highWater = count; // the next sweep looks at the peak of the interval that starts now
    }

    /** Shrinks the table to what the count needs now; hold the lock. */
    void trim() {
      highWater = count;
      oversizedSweeps = 0;
      @Nullable Node[] t = table;
      if (oversized(t)) {
        shrink(t);
      }
    }

    private void sweepBucket(@Nullable Node[] t, int i) {
      t[i] = sweepList(t[i], i, false);
    }

    /**
     * Unlinks the dropped and replaces the tenured in a list (a bucket's chain, or with {@code
     * members} a group's cells), returning its new head; hold the lock.
     */
    private @Nullable Node sweepList(@Nullable Node head, int bucket, boolean members) {
      Node first = head;
      Node prev = null;
      for (Node n = head; n != null; ) {
        Node next = n.next;
        Node keep = members ? survivor((Cell) n, bucket) : kept(n, bucket);
        if (keep == null && !members) {
          count--;
        }
        if (keep != n) {
          Node link = keep == null ? next : keep;
          if (keep != null) {
            keep.next = next;
          }
          if (prev == null) {
            first = link;
          } else {
            prev.next = link;
          }
        }
        if (keep != null) {
          prev = keep;
        }
        n = next;
      }
      return first;
    }

    /** What stays of a bucket's node {@code n} after a sweep: itself, a replacement, or null. */
    private @Nullable Node kept(Node n, int bucket) {
      if (n instanceof Group g) {
        g.members = (Cell) sweepList(g.members, bucket, true);
        g.sharedHint = null;
        Cell only = g.members;
        return only == null ? null
            : only.next == null && !g.refersTo(null) ? only // back to a lone cell, no record
            : g;
      }
      return survivor((Cell) n, bucket);
    }

    /**
     * Returns null for a cell whose handle was dropped, the cell itself if it is tenured or seen
     * alive for the first time (its bucket then marked for the next sweep), else its tenured twin
     * (or the cell itself, its bucket marked again, if there is no memory for the twin).
     */
    private @Nullable Cell survivor(Cell c, int bucket) {
      if (c.refersTo(null)) {
        replaceInSlot(c, null);
        return null;
      }
      if (c instanceof Cell.Tenured) {
        return c;
      }
      CellKind aged = c.kind.aged;
      if (aged != null) {
        // Alive at its first sweep, maybe only because it was made after the collection: look again
        // after the next one.
        c.kind = aged;
        markDirty(bucket);
        return c;
      }
      Object handle = c.get();
      if (handle == null) {
        replaceInSlot(c, null);
        return null;
      }
      try {
        Cell twin = new Cell.Tenured(handle, c.hash, c.kind, queue);
        replaceInSlot(c, twin);
        return twin;
      } catch (OutOfMemoryError e) {
        markDirty(bucket);
        return c;
      }
    }
  }
}
