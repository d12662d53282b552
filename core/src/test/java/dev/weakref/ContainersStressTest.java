package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.weakref.engine.Reclaimer;
import dev.weakref.testing.Key;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Writers, readers, iterators and the collector all at once: the table's resizes, the engine's
 * unlinking of reclaimed entries and the lock-free reads must agree. After the dust settles and a
 * {@code collect()}, exactly the strongly-held mappings remain, and every reclaim was reported once.
 */
final class ContainersStressTest {
  private static final int THREADS = 3;
  private static final int ROUNDS = 20;
  private static final int PER_ROUND = 500;

  @Test
  void concurrentWritesReadsIterationAndReclamation_leaveExactlyTheLiveMappings()
      throws InterruptedException {
    WeakKeyDictionary<Key, String> wkd = new WeakKeyDictionary<>();
    WeakValueDictionary<String, Key> wvd = new WeakValueDictionary<>();
    WeakSet<Key> set = new WeakSet<>();
    AtomicLong reclaimedKeys = new AtomicLong();
    AtomicLong reclaimedValues = new AtomicLong();
    AtomicLong reclaimedElements = new AtomicLong();
    wkd.onReclaim(v -> reclaimedKeys.incrementAndGet());
    wvd.onReclaim(k -> reclaimedValues.incrementAndGet());
    set.onReclaim(reclaimedElements::addAndGet);
    ConcurrentLinkedQueue<Key> kept = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      threads.add(new Thread(() -> {
        try {
          for (int r = 0; r < ROUNDS; r++) {
            fill(wkd, wvd, set, kept, id, r);
            for (Map.Entry<Key, String> e : wkd.entrySet()) {
              assertNotNull(e.getKey());
              assertNotNull(e.getValue());
            }
            for (Key k : set) {
              assertNotNull(k);
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (int i = 0; i < 5; i++) {
      Reclaimer.collect();
    }
    for (Thread t : threads) {
      t.join();
    }
    Reclaimer.collect();
    assertEquals(List.of(), new ArrayList<>(failures));
    int live = kept.size();
    assertEquals(live, wkd.size());
    assertEquals(live, wvd.size());
    assertEquals(live, set.size());
    assertEquals(new HashSet<>(kept), wkd.keySet());
    assertEquals(new HashSet<>(kept), set);
    long total = (long) THREADS * ROUNDS * PER_ROUND;
    assertEquals(total - live, reclaimedKeys.get());
    assertEquals(total - live, reclaimedValues.get());
    assertEquals(total - live, reclaimedElements.get());
    Reference.reachabilityFence(kept);
  }

  /**
   * The lock-free paths against the locked ones: readers and value-replacing writers of a fixed set
   * of keys (no lock taken for a present key) while another thread grows the table through many
   * resizes and then removes and re-adds keys. A reader must never miss a key that is present for
   * its whole call, and the last value each writer stored must be the one left.
   */
  @Test
  void lockFreeReadsAndReplacements_surviveResizesAndRemovals() throws InterruptedException {
    WeakKeyDictionary<Key, Integer> wkd = new WeakKeyDictionary<>();
    Key[] fixed = new Key[64];
    for (int i = 0; i < fixed.length; i++) {
      fixed[i] = new Key("fixed" + i);
      wkd.put(fixed[i], -1);
    }
    List<Key> growth = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      growth.add(new Key("grow" + i));
    }
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    int[] lastWritten = new int[fixed.length];
    // Writer w owns the keys with index % 2 == w: it is the only one to change their values.
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      threads.add(new Thread(() -> {
        try {
          for (int n = 0; n < 200_000; n++) {
            int i = (n * 2 + writer) % fixed.length;
            Integer old = wkd.put(fixed[i], n);
            assertNotNull(old, "a present key was missed by put");
            lastWritten[i] = n;
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    threads.add(new Thread(() -> {
      try {
        for (int n = 0; n < 400_000; n++) {
          assertNotNull(wkd.get(fixed[n % fixed.length]), "a present key was missed by get");
        }
      } catch (Throwable e) {
        failures.add(e);
      }
    }));
    threads.add(new Thread(() -> {
      try {
        for (Key k : growth) {
          wkd.put(k, 0);
        }
        for (Key k : growth) {
          wkd.remove(k);
          wkd.put(k, 1);
        }
      } catch (Throwable e) {
        failures.add(e);
      }
    }));
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), new ArrayList<>(failures));
    for (int i = 0; i < fixed.length; i++) {
      assertEquals(lastWritten[i], wkd.get(fixed[i]), "value of " + fixed[i].name);
    }
    assertEquals(fixed.length + growth.size(), wkd.size());
    Reference.reachabilityFence(growth);
  }

  /** Adds PER_ROUND keys to all three containers; keeps one in ten, drops the rest. */
  private static void fill(WeakKeyDictionary<Key, String> wkd, WeakValueDictionary<String, Key> wvd,
      WeakSet<Key> set, ConcurrentLinkedQueue<Key> kept, int thread, int round) {
    for (int i = 0; i < PER_ROUND; i++) {
      Key k = new Key(thread + "/" + round + "/" + i);
      wkd.put(k, "v");
      wvd.put(k.name, k);
      set.add(k);
      if (i % 10 == 0) {
        kept.add(k);
      }
    }
  }
}
