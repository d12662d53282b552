package dev.weakref.reliability;

import dev.weakref.Finalizer;
import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A child JVM's main for {@link ShutdownExactlyOnceTest}: {@value #WORKERS} threads register
 * finalizers (at exit on, the default; one in three on an object they hold, the others on objects
 * they drop) and refs with callbacks (held, their referents dropped), while another thread forces
 * collections, and the JVM exits in the way the system property {@code weakref.scenario} names:
 *
 * <ul>
 *   <li>{@code exit-during-callbacks}: {@code System.exit} from another thread while a finalizer
 *       function is running on the engine thread (it waits until then) and callbacks churn;
 *   <li>{@code exit-while-registering}: {@code System.exit} while the workers go on registering,
 *       also during the exit run;
 *   <li>{@code exit-from-finalizer}: a finalizer function run at reclaim calls {@code System.exit};
 *   <li>{@code halt}: {@code Runtime.halt}, which runs no shutdown hook: nothing runs at exit.
 * </ul>
 *
 * <p>Just before the exit, the exiting thread takes a snapshot of the finalizers whose {@code of}
 * had returned: each of them was alive (or had already run) when the exit began, so each must
 * have run exactly once when the library's exit hook {@code weakref-atexit} has finished. This
 * JVM's own shutdown hook waits for that thread, then prints the counts, one {@code name value}
 * line each, for the parent to check. Under {@code halt} the counts are printed before halting,
 * and a finalizer run at exit would print {@code ran at exit}.
 */
final class ShutdownChurnChild {
  static final int WORKERS = 3;
  static final int MAX = 300_000;
  /** Registrations before the exit is set off. */
  static final int BEFORE_EXIT = 30_000;

  static final AtomicInteger NEXT_ID = new AtomicInteger();
  static final AtomicInteger REGISTERED = new AtomicInteger();
  /** Per id: 1 once the registration returned. */
  static final AtomicIntegerArray DONE = new AtomicIntegerArray(MAX);
  /** Per id: how many times its finalizer function or ref callback ran. */
  static final AtomicIntegerArray RUNS = new AtomicIntegerArray(MAX);
  static final AtomicReferenceArray<Object> HELD = new AtomicReferenceArray<>(MAX);
  static final AtomicInteger CALLBACKS = new AtomicInteger();
  static final AtomicInteger AT_EXIT_RUNS = new AtomicInteger();
  static final AtomicBoolean BLOCK_NEXT = new AtomicBoolean();
  static final CountDownLatch IN_FLIGHT = new CountDownLatch(1);
  static final AtomicInteger IN_FLIGHT_COMPLETED = new AtomicInteger();
  static final AtomicBoolean EXIT_CLAIMED = new AtomicBoolean();
  static volatile boolean halting;
  static volatile boolean[] snapshot;
  static String scenario;

  private ShutdownChurnChild() {}

  public static void main(String[] args) throws InterruptedException {
    scenario = System.getProperty("weakref.scenario");
    Runtime.getRuntime().addShutdownHook(new Thread(ShutdownChurnChild::afterLibraryHook, "report"));
    Thread collector = daemon("collector", () -> {
      while (true) {
        try {
          Reclaimer.collect();
        } catch (RuntimeException e) {
          return; // the JVM is exiting
        }
      }
    });
    collector.start();
    for (int w = 0; w < WORKERS; w++) {
      daemon("worker-" + w, ShutdownChurnChild::register).start();
    }
    while (REGISTERED.get() < BEFORE_EXIT) {
      Thread.onSpinWait();
    }
    switch (scenario) {
      case "exit-during-callbacks" -> {
        BLOCK_NEXT.set(true);
        IN_FLIGHT.await();
        exit(0);
      }
      case "exit-while-registering" -> exit(0);
      case "exit-from-finalizer" -> EXIT_CLAIMED.set(true); // the next dropped finalizer exits
      case "halt" -> {
        halting = true;
        takeSnapshot();
        report("before halt");
        System.out.println("halting");
        System.out.flush();
        Runtime.getRuntime().halt(7);
      }
      default -> throw new IllegalArgumentException("no scenario " + scenario);
    }
    new CountDownLatch(1).await(); // the exit ends this
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private static void exit(int status) {
    takeSnapshot();
    System.exit(status);
  }

  private static void takeSnapshot() {
    boolean[] done = new boolean[MAX];
    for (int id = 0; id < MAX; id++) {
      done[id] = DONE.get(id) == 1;
    }
    snapshot = done;
  }

  private static void register() {
    int id;
    while ((id = NEXT_ID.getAndIncrement()) < MAX) {
      Object obj = new Object();
      int kind = id % 4;
      int i = id;
      if (kind == 0) {
        HELD.set(id, new WeakRef<>(obj, r -> {
          RUNS.incrementAndGet(i);
          CALLBACKS.incrementAndGet();
        }));
      } else if (kind == 1) {
        HELD.set(id, obj);
        Finalizer.of(obj, () -> finalizerRan(i));
      } else {
        Finalizer.of(obj, () -> droppedFinalizerRan(i));
      }
      DONE.set(id, 1);
      REGISTERED.incrementAndGet();
    }
  }

  private static void finalizerRan(int id) {
    RUNS.incrementAndGet(id);
    if (Thread.currentThread().getName().equals("weakref-atexit")) {
      AT_EXIT_RUNS.incrementAndGet();
      if (halting) {
        System.out.println("ran at exit " + id);
      }
    }
  }

  private static void droppedFinalizerRan(int id) {
    finalizerRan(id);
    if (BLOCK_NEXT.compareAndSet(true, false)) {
      IN_FLIGHT.countDown();
      long until = System.nanoTime() + 300_000_000L;
      while (System.nanoTime() < until) {
        Thread.onSpinWait(); // keeps this function running while the exit begins
      }
      IN_FLIGHT_COMPLETED.incrementAndGet();
    }
    if (EXIT_CLAIMED.compareAndSet(true, false)) {
      System.out.println("exit from finalizer " + id + " on " + Thread.currentThread().getName());
      exit(3);
    }
  }

  /** This JVM's own shutdown hook: waits for the library's, then reports. */
  private static void afterLibraryHook() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Thread hook = null;
    while (hook == null && System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals("weakref-atexit")) {
          hook = t;
        }
      }
      Thread.onSpinWait(); // the hooks are started one by one: the library's may not be yet
    }
    if (hook == null) {
      System.out.println("no weakref-atexit thread");
      return;
    }
    try {
      hook.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    report("after exit hook");
  }

  private static void report(String when) {
    boolean[] before = snapshot;
    int finalizersBefore = 0;
    int ranOnce = 0;
    int registeredAfter = 0;
    int ranAfter = 0;
    int duplicates = 0;
    List<Integer> missing = new ArrayList<>();
    List<Integer> duplicated = new ArrayList<>();
    for (int id = 0; id < MAX; id++) {
      int runs = RUNS.get(id);
      if (runs > 1) {
        duplicates++;
        if (duplicated.size() < 10) {
          duplicated.add(id);
        }
      }
      if (id % 4 == 0) {
        continue; // a ref callback: at most once, checked above
      }
      if (before != null && before[id]) {
        finalizersBefore++;
        if (runs == 1) {
          ranOnce++;
        } else if (missing.size() < 10) {
          missing.add(id);
        }
      } else if (DONE.get(id) == 1) {
        registeredAfter++;
        if (runs > 0) {
          ranAfter++;
        }
      }
    }
    System.out.println("report " + when);
    System.out.println("scenario " + scenario);
    System.out.println("registered " + REGISTERED.get());
    System.out.println("finalizers-registered-before-exit " + finalizersBefore);
    System.out.println("of-those-ran-once " + ranOnce);
    System.out.println("not-once " + missing);
    System.out.println("duplicates " + duplicates);
    System.out.println("duplicated " + duplicated);
    System.out.println("finalizers-registered-during-exit " + registeredAfter);
    System.out.println("of-those-ran " + ranAfter);
    System.out.println("ran-at-exit " + AT_EXIT_RUNS.get());
    System.out.println("callbacks-run " + CALLBACKS.get());
    System.out.println("in-flight-completed " + IN_FLIGHT_COMPLETED.get());
    System.out.flush();
  }
}
