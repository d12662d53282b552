package dev.weakref.internal.engine;

import dev.weakref.engine.ReclaimStats;
import java.lang.ref.ReferenceQueue;
import org.jspecify.annotations.Nullable;

/**
 * The engine's singletons (its one queue, the table of tracked handles, the loop) and the lifecycle of its thread,
 * {@code weakref-reclaimer}: started on the engine's first use, and handed over to a fresh thread of
 * the same name when user code may have left thread-locals on it (see {@link ReclaimLoop}).
 *
 * <p><b>Internal:</b> public only for {@link dev.weakref.engine.Reclaimer}.
 */
public final class Engine {
  /**
   * The engine's one queue: every engine reference, sentinel and tracked handle's reference is
   * created with it; {@code dev.weakref} gets it from {@link Tracking#queue()}.
   */
  static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  static final HandleTable TABLE = new HandleTable(QUEUE);
  static final ReclaimLoop LOOP = new ReclaimLoop(QUEUE, TABLE);

  private static volatile @Nullable Thread thread;

  static {
    ensureRunning();
  }

  private Engine() {}

  /** The engine's loop: for {@link EngineReference#atBatchEnd} and tests of the engine. */
  static ReclaimLoop loop() {
    return LOOP;
  }

  /**
   * Returns whether the engine thread is running. It always should be: callbacks cannot kill it.
   *
   * @return whether {@code weakref-reclaimer} is alive
   */
  public static boolean isAlive() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  /**
   * Returns whether the current thread is the engine thread, that is, whether the caller is running
   * inside a callback.
   *
   * @return whether this is {@code weakref-reclaimer}
   */
  static boolean isEngineThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Returns a snapshot of the engine's counters; walks the table of tracked handles to count the live references.
   *
   * @return the counters now
   */
  public static ReclaimStats stats() {
    long[] counts = TABLE.counts();
    return new ReclaimStats(counts[0], counts[1], LOOP.callbacksRun(), Unraisable.failures(),
        LOOP.pending(), Watchdog.reported());
  }

  /** The current engine thread, or {@code null} before the engine first started. */
  static @Nullable Thread engineThread() {
    return thread;
  }

  static synchronized void ensureRunning() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      return;
    }
    t = newEngineThread(LOOP);
    t.start();
    thread = t;
  }

  /**
   * Hands the engine's work to a fresh thread, which starts once the calling one has ended: what
   * user code left on the caller (thread-locals) is then unreachable. Engine thread only, between
   * batches; the caller must return from {@link ReclaimLoop#run} at once if this succeeds.
   *
   * @return whether the new thread was started; if not (no memory for one), the caller goes on
   */
  static synchronized boolean handOver() {
    Thread old = Thread.currentThread();
    Thread[] predecessor = {old};
    Thread t;
    try {
      t = newEngineThread(() -> {
        awaitEnd(predecessor[0]);
        predecessor[0] = null;
        LOOP.run();
      });
      t.start();
    } catch (Throwable e) { // OutOfMemoryError: unable to create a thread; try again later
      return false;
    }
    LOOP.handingOver(); // read by the new thread only after join(): see ReclaimLoop
    thread = t;
    return true;
  }

  private static void awaitEnd(Thread predecessor) {
    while (predecessor.isAlive()) {
      try {
        predecessor.join();
      } catch (InterruptedException e) {
        // Nobody may stop the engine by interrupting it: wait on.
      }
    }
  }

  private static Thread newEngineThread(Runnable body) {
    return newInnocuousThread("weakref-reclaimer", body);
  }

  /**
   * A daemon thread of the engine's ({@code weakref-reclaimer}, {@code weakref-watchdog}) that pins
   * no application class loader.
   */
  @SuppressWarnings("removal") // AccessController: see the comment below
  static Thread newInnocuousThread(String name, Runnable body) {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    // No inherited thread-locals, no context class loader, and (on JDKs that still have one) an
    // inherited access-control context holding only our own protection domain, not those of the
    // application frames that happen to be on the stack: the thread must pin no application class
    // loader (a web app redeployed must be collectable), as the JDK's InnocuousThread and Guava do.
    ThreadGroup root = group;
    Thread t = java.security.AccessController.doPrivileged(
        (java.security.PrivilegedAction<Thread>) () ->
            new Thread(root, body, name, 0, false));
    t.setDaemon(true);
    t.setContextClassLoader(null);
    return t;
  }
}
