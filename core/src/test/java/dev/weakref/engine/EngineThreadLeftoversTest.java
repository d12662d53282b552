package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What a callback leaves on the engine thread does not outlive it: the interrupt status and the
 * context class loader are reset after each callback, and the thread-locals it set are gone once
 * {@link Reclaimer#collect()} returns (the engine hands its work to a fresh thread of the same
 * name). Before, a thread-local or context loader set by a callback pinned its value (here a class
 * loader, as a redeployed application's would be) for good, and the next callback found itself
 * interrupted.
 */
final class EngineThreadLeftoversTest {
  private static final ThreadLocal<Object> LOCAL = new ThreadLocal<>();

  @Test
  void aThreadLocalSetByACallback_pinsNothingOnceCollectReturned() {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    WeakReference<ClassLoader> loader = aCallbackSetsALocalToAThrowawayLoader(ranOn);
    assertTrue(!ranOn.get().isAlive(), "collect() returned while the thread that ran user code lives");
    Reclaimer.collect(); // the thread that ran the callback has ended: this collection clears it
    assertTrue(loader.refersTo(null), "the engine thread's thread-local still holds the loader");
    // the thread that took over is the engine thread as SPEC describes it
    AtomicReference<Thread> now = new AtomicReference<>();
    WeakRef<Object> probe = new WeakRef<>(new Object(), r -> now.set(Thread.currentThread()));
    Reclaimer.collect();
    java.lang.ref.Reference.reachabilityFence(probe);
    Thread t = now.get();
    assertEquals("weakref-reclaimer", t.getName());
    assertTrue(t.isDaemon());
    assertEquals(null, t.getContextClassLoader());
    assertTrue(Reclaimer.isAlive());
  }

  private static WeakReference<ClassLoader> aCallbackSetsALocalToAThrowawayLoader(
      AtomicReference<Thread> ranOn) {
    AtomicReference<WeakReference<ClassLoader>> seen = new AtomicReference<>();
    WeakRef<Object> ref = new WeakRef<>(new Object(), r -> {
      ClassLoader l = new URLClassLoader("throwaway", new URL[0], null);
      LOCAL.set(l);
      seen.set(new WeakReference<>(l));
      ranOn.set(Thread.currentThread());
    });
    Reclaimer.collect(); // runs the callback; the thread that ran it has ended when this returns
    java.lang.ref.Reference.reachabilityFence(ref);
    WeakReference<ClassLoader> loader = seen.get();
    assertNotNull(loader, "the callback did not run");
    return loader;
  }

  @Test
  void interruptAndContextLoaderSetByACallback_areResetBeforeTheNextOne() {
    List<String> seen = new CopyOnWriteArrayList<>();
    Object o = new Object();
    // Newest first: `meddler` runs before `witness`, on the same thread in the same batch.
    WeakRef<Object> witness = new WeakRef<>(o, r -> seen.add(
        "interrupted " + Thread.currentThread().isInterrupted()
            + ", context loader " + Thread.currentThread().getContextClassLoader()));
    WeakRef<Object> meddler = new WeakRef<>(o, r -> {
      Thread.currentThread().interrupt();
      Thread.currentThread().setContextClassLoader(new URLClassLoader(new URL[0], null));
    });
    o = null;
    Reclaimer.collect();
    assertEquals(List.of("interrupted false, context loader null"), seen);
    java.lang.ref.Reference.reachabilityFence(witness);
    java.lang.ref.Reference.reachabilityFence(meddler);
  }
}
