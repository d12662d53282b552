package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code FinalizeTestCase}, plus the JVM's own concerns. */
final class FinalizerTest {

  /** An object to finalize. */
  static final class Resource {
    final String name;

    Resource(String name) {
      this.name = name;
    }

    /** Registers a finalizer from inside, with an anonymous class that uses the enclosing instance. */
    Finalizer<Void> registerCapturingThis(List<String> log) {
      return Finalizer.of(this, new Runnable() {
        @Override
        public void run() {
          log.add("closed " + name()); // uses Resource.this
        }
      });
    }

    /** Registers a finalizer with a lambda that captures {@code this}. */
    Finalizer<Boolean> registerLambdaCapturingThis(List<String> log) {
      return Finalizer.of(this, () -> log.add("closed " + name));
    }

    String name() {
      return name;
    }
  }

  /** Makes a finalizer for an object that nobody holds once this returns. */
  private static Finalizer<Void> finalizerForGarbage(Runnable func) {
    return Finalizer.of(new Resource("garbage"), func);
  }

  /** Makes a finalizer for garbage and drops the finalizer too. */
  private static void dropFinalizerForGarbage(Runnable func) {
    Finalizer.of(new Resource("garbage"), func);
  }

  @Test
  void finalizer_runsOnceAfterReclaim_onEngineThread() {
    List<String> threads = new CopyOnWriteArrayList<>();
    Finalizer<Void> f = finalizerForGarbage(() -> threads.add(Thread.currentThread().getName()));
    assertTrue(f.isAlive());
    Reclaimer.collect();
    assertEquals(List.of("weakref-reclaimer"), threads);
    assertFalse(f.isAlive());
    assertNull(f.call());
    assertNull(f.peek());
    assertNull(f.detach());
    Reclaimer.collect();
    assertEquals(1, threads.size());
  }

  @Test
  void finalizer_staysAliveWithNobodyHoldingIt() {
    AtomicInteger runs = new AtomicInteger();
    dropFinalizerForGarbage(runs::incrementAndGet);
    Reclaimer.collect();
    assertEquals(1, runs.get());
  }

  @Test
  void finalizer_ofLiveObject_doesNotRunOnCollect_andNotKeptAliveByFinalizer() {
    AtomicInteger runs = new AtomicInteger();
    Resource r = new Resource("live");
    Finalizer<Integer> f = Finalizer.of(r, runs::incrementAndGet);
    Reclaimer.collect();
    assertEquals(0, runs.get());
    assertTrue(f.isAlive());
    java.lang.ref.Reference.reachabilityFence(r); // r is alive through the first collect()
    r = null;
    Reclaimer.collect();
    assertEquals(1, runs.get());
  }

  @Test
  void call_runsAtMostOnce_returnsResult_thenNull() {
    AtomicInteger runs = new AtomicInteger();
    Resource r = new Resource("r");
    Finalizer<String> f = Finalizer.of(r, () -> "result " + runs.incrementAndGet());
    assertEquals("result 1", f.call());
    assertFalse(f.isAlive());
    assertNull(f.call());
    r = null;
    Reclaimer.collect();
    assertEquals(1, runs.get());
  }

  @Test
  void call_withArgs_passesThemAndReturnsTheResult() {
    // The Python docs: finalize(obj, callback, 1, 2, z=3) -> callback called with (1, 2, z=3).
    Resource r = new Resource("r");
    Function<Object[], String> callback = a -> "CALLBACK " + List.of(a);
    Finalizer<String> f = Finalizer.of(r, callback, 1, 2, "z=3");
    Finalizer.Info info = f.peek();
    assertNotNull(info);
    assertSame(r, info.obj());
    assertSame(callback, info.func());
    assertEquals(List.of(1, 2, "z=3"), info.args());
    assertTrue(f.isAlive());
    assertEquals("CALLBACK [1, 2, z=3]", f.call());
    assertFalse(f.isAlive());
    assertNull(f.call());
  }

  @Test
  void of_copiesTheArgsArray_andAllowsNullArgs() {
    Object[] args = {"a", null};
    Finalizer<String> f = Finalizer.of(new Resource("r"), a -> a[0] + "/" + a[1], args);
    args[0] = "changed";
    assertEquals("a/null", f.call());
  }

  @Test
  void of_aThreadAsTheRunnable_isAliveUntilCalled_andRunsItsRunMethod() {
    AtomicInteger runs = new AtomicInteger();
    Thread t = new Thread(runs::incrementAndGet); // never started: run() is just a method here
    Resource r = new Resource("r");
    Finalizer<Void> f = Finalizer.of(r, t);
    assertTrue(f.isAlive());
    assertSame(t, Objects.requireNonNull(f.peek()).func());
    assertNull(f.call());
    assertEquals(1, runs.get());
    assertFalse(f.isAlive());
  }

  @Test
  void call_propagatesRuntimeExceptions_andTheFinalizerIsDead() {
    Finalizer<Void> f = Finalizer.of(new Resource("r"), () -> {
      throw new IllegalStateException("boom");
    });
    IllegalStateException e = assertThrows(IllegalStateException.class, f::call);
    assertEquals("boom", e.getMessage());
    assertFalse(f.isAlive());
    assertNull(f.call());
  }

  @Test
  void call_wrapsCheckedExceptions() {
    IOException io = new IOException("disk gone");
    Finalizer<String> f = Finalizer.of(new Resource("r"), () -> {
      throw io;
    });
    UndeclaredThrowableException e = assertThrows(UndeclaredThrowableException.class, f::call);
    assertSame(io, e.getCause());
  }

  @Test
  void detach_returnsInfo_andTheFunctionNeverRuns() {
    AtomicInteger runs = new AtomicInteger();
    Resource r = new Resource("r");
    Runnable func = runs::incrementAndGet;
    Finalizer<Void> f = Finalizer.of(r, func);
    Finalizer.Info info = f.detach();
    assertNotNull(info);
    assertSame(r, info.obj());
    assertSame(func, info.func());
    assertEquals(List.of(), info.args());
    assertFalse(f.isAlive());
    assertNull(f.detach());
    assertNull(f.peek());
    assertNull(f.call());
    info = null;
    r = null;
    Reclaimer.collect();
    assertEquals(0, runs.get());
  }

  @Test
  void peek_returnsInfo_withoutChangingAnything() {
    AtomicInteger runs = new AtomicInteger();
    Resource r = new Resource("r");
    Finalizer<Integer> f = Finalizer.of(r, runs::incrementAndGet);
    Finalizer.Info a = f.peek();
    Finalizer.Info b = f.peek();
    assertNotNull(a);
    assertEquals(a, b);
    assertTrue(f.isAlive());
    assertThrows(UnsupportedOperationException.class, () -> a.args().add("x"));
    f.call();
    assertEquals(1, runs.get());
  }

  @Test
  void atExit_isTrueByDefault_andSettable() {
    Finalizer<Void> f = Finalizer.of(new Resource("r"), () -> { });
    assertTrue(f.atExit());
    f.setAtExit(false);
    assertFalse(f.atExit());
    f.setAtExit(true);
    assertTrue(f.atExit());
    f.detach();
  }

  @Test
  void finalizer_runsAlongsideRefCallbacks_andIsNotCountedAsWeakRef() {
    List<String> order = new CopyOnWriteArrayList<>();
    Resource r = new Resource("r");
    WeakRef<Resource> wr = new WeakRef<>(r, x -> order.add("ref"));
    Finalizer.of(r, () -> order.add("finalizer"));
    assertEquals(1, Reclaimer.weakRefCount(r), "a finalizer uses an uncounted engine reference");
    r = null;
    Reclaimer.collect();
    assertEquals(Set.of("ref", "finalizer"), Set.copyOf(order));
    assertEquals(2, order.size());
    assertNotNull(wr);
  }

  @Test
  void finalizer_calledOrDetached_isNotKeptByTheRegistry() {
    Resource r = new Resource("r");
    Finalizer<Void> called = Finalizer.of(r, () -> { });
    Finalizer<Void> detached = Finalizer.of(r, () -> { });
    WeakRef<Finalizer<Void>> calledRef = new WeakRef<>(called);
    WeakRef<Finalizer<Void>> detachedRef = new WeakRef<>(detached);
    called.call();
    detached.detach();
    called = null;
    detached = null;
    Reclaimer.collect();
    assertNull(calledRef.get());
    assertNull(detachedRef.get());
    assertNotNull(r);
  }

  @Test
  void finalizer_aliveAndUnheld_isKeptByTheRegistry() {
    Resource r = new Resource("r");
    WeakRef<Finalizer<Void>> ref = new WeakRef<>(Finalizer.of(r, () -> { }));
    Reclaimer.collect();
    Finalizer<Void> f = ref.get();
    assertNotNull(f);
    assertTrue(f.isAlive());
    f.detach();
    java.lang.ref.Reference.reachabilityFence(r);
  }

  @Test
  void reclaim_exceptionGoesToUnraisableHook() {
    List<String> reported = new CopyOnWriteArrayList<>();
    AtomicReference<Object> source = new AtomicReference<>();
    UnraisableHook old = Reclaimer.setUnraisableHook((error, src) -> {
      reported.add(error.getMessage());
      source.set(src);
    });
    try {
      AtomicInteger after = new AtomicInteger();
      dropFinalizerForGarbage(() -> {
        throw new IllegalStateException("cleanup failed");
      });
      dropFinalizerForGarbage(after::incrementAndGet);
      Reclaimer.collect();
      assertEquals(List.of("cleanup failed"), reported);
      assertTrue(source.get() instanceof Finalizer<?>);
      assertEquals(1, after.get());
    } finally {
      Reclaimer.setUnraisableHook(old);
    }
  }

  @Test
  void toString_namesTheObject_thenDead() {
    Resource r = new Resource("r");
    Finalizer<Void> f = Finalizer.of(r, () -> { });
    assertTrue(f.toString().matches(
        "<finalize object at 0x[0-9a-f]+; for 'dev\\.weakref\\.FinalizerTest\\$Resource' at 0x[0-9a-f]+>"),
        f.toString());
    f.detach();
    assertTrue(f.toString().matches("<finalize object at 0x[0-9a-f]+; dead>"), f.toString());
    assertNotNull(r);
  }

  /* ---- Bad input ---- */

  @Test
  void of_refusesNullAndValueBasedObjects() {
    assertThrows(NullPointerException.class, () -> Finalizer.of(null, () -> { }));
    assertThrows(NullPointerException.class, () -> Finalizer.of(new Object(), (Runnable) null));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Finalizer.of(42, () -> { }));
    assertEquals("cannot create weak reference to value-based java.lang.Integer", e.getMessage());
  }

  @Test
  void captureCheck_refusesLambdaCapturingTheObject() {
    Resource r = new Resource("r");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Finalizer.of(r, () -> System.out.println(r.name)));
    assertTrue(e.getMessage().contains("field 'arg$1'"), e.getMessage());
  }

  @Test
  void captureCheck_refusesLambdaCapturingThis() {
    Resource r = new Resource("r");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> r.registerLambdaCapturingThis(new CopyOnWriteArrayList<>()));
    assertTrue(e.getMessage().contains("field 'arg$1'"), e.getMessage());
  }

  @Test
  void captureCheck_refusesAnonymousClassCapturingTheObject() {
    Resource r = new Resource("r");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Finalizer.of(r, new Runnable() {
          @Override
          public void run() {
            System.out.println(r.name);
          }
        }));
    assertTrue(e.getMessage().contains("field 'val$r'"), e.getMessage());
  }

  @Test
  void captureCheck_refusesInnerClassHoldingItsEnclosingObject() {
    Resource r = new Resource("r");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> r.registerCapturingThis(new CopyOnWriteArrayList<>()));
    assertTrue(e.getMessage().contains("field 'this$0'"), e.getMessage());
    assertTrue(e.getMessage().contains("enclosing instance"), e.getMessage());
  }

  @Test
  void captureCheck_refusesTheObjectAsAnArgument() {
    Resource r = new Resource("r");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Finalizer.of(r, a -> null, "other", r));
    assertTrue(e.getMessage().contains("argument 1"), e.getMessage());
  }

  @Test
  void captureCheck_refusesTheObjectAsItsOwnFunction() {
    Runnable self = () -> { };
    assertThrows(IllegalArgumentException.class, () -> Finalizer.of(self, self));
  }

  @Test
  void captureCheck_acceptsLambdaCapturingOnlyOtherValues() {
    AtomicInteger runs = new AtomicInteger();
    String label = "label";
    Resource other = new Resource("other");
    Finalizer<Void> f = finalizerForGarbage(() -> {
      runs.incrementAndGet();
      System.out.print(label.isEmpty() ? other.name : "");
    });
    Reclaimer.collect();
    assertEquals(1, runs.get());
    assertFalse(f.isAlive());
  }
}
