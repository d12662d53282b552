package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@code Weakref.finalize}: the three overloads of Python's {@code weakref.finalize}. */
final class WeakrefFinalizeTest {

  private static void finalizeGarbage(AtomicInteger runs) {
    Weakref.finalize(new Object(), runs::incrementAndGet);
  }

  @Test
  void finalize_runnable_runsOnceAfterReclaim_withNobodyHoldingTheFinalizer() {
    AtomicInteger runs = new AtomicInteger();
    finalizeGarbage(runs);
    Weakref.collect();
    assertEquals(1, runs.get());
  }

  @Test
  void finalize_callable_returnsResultOnce() {
    Object o = new Object();
    Finalizer<String> f = Weakref.finalize(o, () -> "done");
    assertTrue(f.isAlive());
    assertEquals("done", f.call());
    assertNull(f.call());
    assertFalse(f.isAlive());
  }

  @Test
  void finalize_functionWithArgs_peekAndDetach() {
    Object o = new Object();
    Function<Object[], String> func = a -> "CALLBACK " + List.of(a);
    Finalizer<String> f = Weakref.finalize(o, func, 1, 2, "z=3");
    Finalizer.Info info = f.peek();
    assertNotNull(info);
    assertSame(func, info.func());
    assertEquals(List.of(1, 2, "z=3"), info.args());
    assertNotNull(f.detach());
    assertNull(f.call());
  }

  @Test
  void finalize_refusesACapturingLambda() {
    Object o = new Object();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Weakref.finalize(o, () -> System.out.println(o)));
    assertTrue(e.getMessage().contains("arg$1"), e.getMessage());
  }
}
