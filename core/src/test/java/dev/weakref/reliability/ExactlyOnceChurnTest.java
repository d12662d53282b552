package dev.weakref.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakMethod;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Exactly once under churn (issue 17, item 3). {@value #WORKERS} threads create and drop refs with
 * callbacks, weak proxies with callbacks, {@code WeakMethod}s with callbacks, finalizers, and entries
 * of the three weak containers (each entry's object also carries a finalizer), while another thread
 * forces collections with {@link Reclaimer#collect()} and another iterates the containers.
 *
 * <p>Every registration has an id; its callback or finalizer counts its runs in an
 * {@link AtomicIntegerArray}. At the end every id dropped has run exactly once, every id of the held
 * subset (one in {@value #HELD_EVERY}) not at all, and once the held subset is released, that too
 * exactly once. A held id's callback also reads a flag set while the test holds its referent, so
 * that a run while the referent is still strongly held is seen when it happens. Duplicates, misses
 * and early runs are reported by id. The container reader fails on a {@code null}, on an entry
 * whose object's finalizer has already run (a reclaimed entry), on an entry whose key and value do
 * not match, and on anything thrown.
 *
 * <p>CI runs {@code weakref.churn.registrations} registrations (default 1,000,000; about 15 s here).
 * The {@code -Psoak} profile of {@code core/pom.xml} repeats such rounds for
 * {@code weakref.soak.minutes} minutes (default 5) and prints the totals.
 */
final class ExactlyOnceChurnTest {
  static final int WORKERS = 3;
  static final int HELD_EVERY = 64;
  private static final int KINDS = 7;
  private static final int CHUNK = 256;

  /** Distinct from the other held objects' ids: what a registration watches. */
  static final class Payload implements Runnable {
    final int id;

    Payload(int id) {
      this.id = id;
    }

    @Override
    public void run() {}

    @Override
    public String toString() {
      return "Payload#" + id;
    }
  }

  /** One round's state: the arrays are indexed by id. */
  private static final class Round {
    final int n;
    final AtomicIntegerArray runs;
    final AtomicIntegerArray heldFlag;
    final AtomicReferenceArray<Object> handles;
    final Payload[] held;
    final WeakKeyDictionary<Payload, Integer> keys = new WeakKeyDictionary<>();
    final WeakValueDictionary<Integer, Payload> values = new WeakValueDictionary<>();
    final WeakSet<Payload> set = new WeakSet<>();
    final AtomicInteger nextId = new AtomicInteger();
    final AtomicInteger earlyRuns = new AtomicInteger();
    final AtomicLong containerReads = new AtomicLong();
    final AtomicLong collections = new AtomicLong();
    final ConcurrentLinkedQueue<String> faults = new ConcurrentLinkedQueue<>();

    Round(int n) {
      this.n = n;
      runs = new AtomicIntegerArray(n);
      heldFlag = new AtomicIntegerArray(n);
      handles = new AtomicReferenceArray<>(n);
      held = new Payload[n];
    }

    void ran(int id) {
      runs.incrementAndGet(id);
      if (heldFlag.get(id) != 0) {
        earlyRuns.incrementAndGet();
        faults.add("id " + id + " ran while its referent was strongly held");
      }
    }

    void fault(String what) {
      if (faults.size() < 100) {
        faults.add(what);
      }
    }
  }

  /** The totals over all rounds, printed at the end. */
  private static final class Totals {
    long registrations;
    long callbacks;
    long duplicates;
    long misses;
    long early;
    long containerReads;
    long collections;
    int rounds;
  }

  @Test
  void everyCallbackAndFinalizerRunsExactlyOnce_noneEarly_containersNeverShowAReclaimedEntry()
      throws Exception {
    int perRound = Integer.getInteger("weakref.churn.registrations", 1_000_000);
    long soakMinutes = Long.getLong("weakref.soak.minutes", 0L);
    long start = System.nanoTime();
    long deadline = start + soakMinutes * 60_000_000_000L;
    List<Throwable> unraisable = new ArrayList<>();
    UnraisableHook previous = Reclaimer.setUnraisableHook((error, source) -> {
      synchronized (unraisable) {
        unraisable.add(error);
      }
    });
    Totals totals = new Totals();
    try {
      do {
        runRound(perRound, totals);
      } while (System.nanoTime() < deadline);
    } finally {
      Reclaimer.setUnraisableHook(previous);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("exactly-once churn: %,d registrations in %d round(s), %d threads registering"
            + " + 1 collecting + 1 reading, %.1f s, callbacks and finalizers run %,d, duplicates %d,"
            + " misses %d, early runs %d, container reads %,d, forced collections %,d%n",
        totals.registrations, totals.rounds, WORKERS, seconds, totals.callbacks, totals.duplicates,
        totals.misses, totals.early, totals.containerReads, totals.collections);
    assertTrue(unraisable.isEmpty(), "unraisable: " + unraisable);
  }

  private static void runRound(int n, Totals totals) throws InterruptedException {
    Round round = new Round(n);
    AtomicBoolean churning = new AtomicBoolean(true);
    Thread collector = new Thread(() -> {
      while (churning.get()) {
        Reclaimer.collect();
        round.collections.incrementAndGet();
      }
    }, "churn-collector");
    Thread reader = new Thread(() -> {
      while (churning.get()) {
        readContainers(round);
      }
    }, "churn-reader");
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      workers.add(new Thread(() -> register(round), "churn-worker-" + w));
    }
    List<Throwable> threadErrors = new ArrayList<>();
    Thread.UncaughtExceptionHandler onError = (t, e) -> {
      synchronized (threadErrors) {
        threadErrors.add(e);
      }
    };
    collector.setUncaughtExceptionHandler(onError);
    reader.setUncaughtExceptionHandler(onError);
    collector.start();
    reader.start();
    for (Thread w : workers) {
      w.setUncaughtExceptionHandler(onError);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    churning.set(false);
    collector.join();
    reader.join();
    assertTrue(threadErrors.isEmpty(), "threads failed: " + threadErrors);

    Reclaimer.collect();
    Reclaimer.collect();
    readContainers(round);
    // The held subset: none has run, and the containers hold exactly their entries.
    int heldCount = 0;
    int[] heldPerKind = new int[KINDS];
    List<Integer> duplicates = new ArrayList<>();
    List<Integer> misses = new ArrayList<>();
    List<Integer> early = new ArrayList<>();
    for (int id = 0; id < n; id++) {
      int runs = round.runs.get(id);
      if (round.held[id] != null) {
        heldCount++;
        heldPerKind[id % KINDS]++;
        if (runs != 0) {
          early.add(id);
        }
      } else if (runs > 1) {
        duplicates.add(id);
      } else if (runs == 0) {
        misses.add(id);
      }
    }
    assertEquals(List.of(), head(duplicates), "ids run more than once (" + duplicates.size() + ")");
    assertEquals(List.of(), head(misses), "dropped ids never run (" + misses.size() + ")");
    assertEquals(List.of(), head(early), "held ids run (" + early.size() + ")");
    assertEquals(heldPerKind[4], round.keys.size(), "WeakKeyDictionary size with the held keys");
    assertEquals(heldPerKind[5], round.values.size(), "WeakValueDictionary size with the held values");
    assertEquals(heldPerKind[6], round.set.size(), "WeakSet size with the held elements");
    for (int id = 0; id < n; id++) {
      Payload p = round.held[id];
      if (p != null) {
        switch (id % KINDS) {
          case 4 -> assertEquals(id, round.keys.get(p), "held key " + id);
          case 5 -> assertEquals(p, round.values.get(id), "held value " + id);
          case 6 -> assertTrue(round.set.contains(p), "held element " + id);
          default -> { }
        }
      }
    }

    // Release the held subset: each now runs exactly once, and the containers empty.
    for (int id = 0; id < n; id++) {
      round.heldFlag.set(id, 0);
    }
    java.util.Arrays.fill(round.held, null);
    Reclaimer.collect();
    Reclaimer.collect();
    List<Integer> notOnce = new ArrayList<>();
    long callbacks = 0;
    for (int id = 0; id < n; id++) {
      int runs = round.runs.get(id);
      callbacks += runs;
      if (runs != 1) {
        notOnce.add(id);
      }
    }
    assertEquals(List.of(), head(notOnce), "ids not run exactly once after release (" + notOnce.size()
        + ") of " + heldCount + " held");
    assertEquals(0, round.keys.size());
    assertEquals(0, round.values.size());
    assertEquals(0, round.set.size());
    assertTrue(round.keys.isEmpty() && round.values.isEmpty() && round.set.isEmpty());
    assertEquals(List.of(), new ArrayList<>(round.faults), "container reads or early runs");
    assertEquals(0, round.earlyRuns.get());

    totals.rounds++;
    totals.registrations += n;
    totals.callbacks += callbacks;
    totals.duplicates += duplicates.size();
    totals.misses += misses.size();
    totals.early += early.size();
    totals.containerReads += round.containerReads.get();
    totals.collections += round.collections.get();
  }

  private static List<Integer> head(List<Integer> ids) {
    return ids.subList(0, Math.min(10, ids.size()));
  }

  /** A worker: takes ids in chunks and registers one thing per id, holding one in HELD_EVERY. */
  private static void register(Round round) {
    while (true) {
      int from = round.nextId.getAndAdd(CHUNK);
      if (from >= round.n) {
        return;
      }
      int to = Math.min(round.n, from + CHUNK);
      for (int id = from; id < to; id++) {
        Payload p = new Payload(id);
        boolean hold = id % HELD_EVERY == 0;
        if (hold) {
          round.heldFlag.set(id, 1);
          round.held[id] = p;
        }
        registerOne(round, p, id);
      }
    }
  }

  private static void registerOne(Round round, Payload p, int id) {
    switch (id % KINDS) {
      case 0 -> round.handles.set(id, new WeakRef<>(p, r -> ranAndRelease(round, id)));
      case 1 -> round.handles.set(id,
          WeakProxy.of(p, Runnable.class, proxy -> ranAndRelease(round, id)));
      case 2 -> round.handles.set(id,
          WeakMethod.of(p, ExactlyOnceChurnTest::bind,
              m -> ranAndRelease(round, id)));
      case 3 -> Finalizer.of(p, () -> round.ran(id));
      case 4 -> {
        round.keys.put(p, id);
        Finalizer.of(p, () -> round.ran(id));
      }
      case 5 -> {
        round.values.put(id, p);
        Finalizer.of(p, () -> round.ran(id));
      }
      case 6 -> {
        round.set.add(p);
        Finalizer.of(p, () -> round.ran(id));
      }
      default -> throw new AssertionError(id);
    }
  }

  /** A {@code WeakMethod}'s binder: captures nothing. */
  private static Runnable bind(Payload p) {
    return p;
  }

  /** A ref's callback: counts the run, then lets the ref (held so that it fires) go. */
  private static void ranAndRelease(Round round, int id) {
    round.ran(id);
    round.handles.set(id, null);
  }

  /** Iterates the three containers once; records anything that is not a live, consistent entry. */
  private static void readContainers(Round round) {
    try {
      for (Map.Entry<Payload, Integer> e : round.keys.entrySet()) {
        Payload k = e.getKey();
        Integer v = e.getValue();
        if (k == null || v == null) {
          round.fault("WeakKeyDictionary yielded " + k + "=" + v);
        } else if (k.id != v) {
          round.fault("WeakKeyDictionary yielded mismatched " + k + "=" + v);
        } else if (round.runs.get(k.id) != 0) {
          round.fault("WeakKeyDictionary yielded reclaimed " + k);
        }
        round.containerReads.incrementAndGet();
      }
      for (Map.Entry<Integer, Payload> e : round.values.entrySet()) {
        Integer k = e.getKey();
        Payload v = e.getValue();
        if (k == null || v == null) {
          round.fault("WeakValueDictionary yielded " + k + "=" + v);
        } else if (v.id != k) {
          round.fault("WeakValueDictionary yielded mismatched " + k + "=" + v);
        } else if (round.runs.get(v.id) != 0) {
          round.fault("WeakValueDictionary yielded reclaimed " + v);
        }
        round.containerReads.incrementAndGet();
      }
      for (Payload p : round.set) {
        if (p == null) {
          round.fault("WeakSet yielded null");
        } else if (round.runs.get(p.id) != 0) {
          round.fault("WeakSet yielded reclaimed " + p);
        }
        round.containerReads.incrementAndGet();
      }
      round.keys.size();
      round.values.size();
      round.set.size();
    } catch (Throwable t) {
      round.fault("container read threw " + t);
    }
  }
}
