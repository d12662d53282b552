package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

/**
 * {@code collect()} reaches referents in the old generation while another thread keeps entering
 * JNI critical regions. Serial, Parallel and G1 skip {@code System.gc()}, saying nothing, while a
 * thread is in one (the GCLocker), and the region's end brings only a young collection: a
 * finalizer's object promoted by earlier collections then outlived a {@code collect()} that went
 * by its sentinels alone. (A child JVM of {@code FinalizerExitTest} hung so: its dropper's
 * {@code System.gc()} calls fell while the engine's {@code weakref-jmx} thread was in such a
 * region.) {@link Adler32#update(byte[], int, int)} holds the array in a critical region while it
 * sums it.
 */
final class CollectWhileJniCriticalTest {

  @Test
  void collect_runsTheFinalizerOfAnOldObject_whileAnotherThreadIsInJniCriticalRegions()
      throws InterruptedException {
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch summing = new CountDownLatch(1);
    Thread summer = new Thread(() -> {
      byte[] data = new byte[8 << 20];
      Adler32 sum = new Adler32();
      summing.countDown();
      while (!Thread.currentThread().isInterrupted()) {
        sum.update(data, 0, data.length); // a JNI critical region while it sums 8 MB
      }
    }, "jni-critical");
    summer.setDaemon(true);
    summer.start();
    try {
      assertTrue(summing.await(30, TimeUnit.SECONDS));
      for (int i = 1; i <= 20; i++) {
        AtomicReference<Object> holder = new AtomicReference<>(new Object());
        Finalizer.of(holder.get(), ran::incrementAndGet);
        Reclaimer.collect(); // the object survives whole-heap collections: it is old now
        holder.set(null);
        Reclaimer.collect();
        assertEquals(i, ran.get(), "collect() returned before the finalizer of old object " + i
            + " ran: its System.gc() calls fell in the other thread's critical regions");
      }
    } finally {
      summer.interrupt();
      summer.join();
    }
  }
}
