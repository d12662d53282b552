package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  /* ---- A void method with arguments: finalize(obj, print, msg) ---- */

  /** Runs {@code make} with {@code System.out} captured (the method reference binds it then). */
  private static String printed(java.util.function.Supplier<Finalizer<?>> make) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Finalizer<?> f;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      f = make.get();
    } finally {
      System.setOut(old);
    }
    f.call();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void finalize_printlnWithMessage_printsTheMessage() {
    Object o = new Object();
    String out = printed(() -> Weakref.finalize(o, System.out::println, "msg"));
    assertEquals("msg" + System.lineSeparator(), out);
    assertEquals("42" + System.lineSeparator(),
        printed(() -> Weakref.finalize(o, System.out::println, 42)));
    assertEquals("msg" + System.lineSeparator(),
        printed(() -> Weakref.finalizer(o, System.out::println, "msg")));
  }

  @Test
  void finalize_printfWithTwoArguments_printsThem() {
    Object o = new Object();
    assertEquals("Kenny gone" + System.lineSeparator(),
        printed(() -> Weakref.finalize(o, System.out::printf, "%s gone%n", "Kenny")));
  }

  @Test
  void finalize_consumer_peekShowsTheFunctionAndItsArgument() {
    Object o = new Object();
    List<Object> seen = new ArrayList<>();
    java.util.function.Consumer<Object> func = seen::add;
    Finalizer<Void> f = Weakref.finalize(o, func, "a");
    Finalizer.Info info = f.peek();
    assertNotNull(info);
    assertSame(func, info.func());
    assertEquals(List.of("a"), info.args());
    java.util.function.BiConsumer<Object, Object> bi = (a, b) -> seen.add(a + "," + b);
    Finalizer.Info biInfo = Weakref.finalize(o, bi, "b", null).peek();
    assertNotNull(biInfo);
    assertSame(bi, biInfo.func());
    assertEquals(java.util.Arrays.asList("b", null), biInfo.args());
  }

  @Test
  void finalize_consumer_refusesTheObjectAsArgument() {
    Object o = new Object();
    List<Object> seen = new ArrayList<>();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Weakref.finalize(o, seen::add, o));
    assertTrue(e.getMessage().contains("argument 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Weakref.finalizer(o, (a, b) -> seen.add(a), "x", o));
    assertTrue(e.getMessage().contains("argument 1"), e.getMessage());
  }

  /**
   * The calls that compiled before the void overloads came keep their overload: no lambda or method
   * reference that was a {@code Runnable}, {@code Callable} or {@code Function} is now ambiguous or
   * taken by another. The declared types below are the compile-level check.
   */
  @Test
  void existingCallShapes_keepTheirOverload() {
    Object o = new Object();
    List<Object> seen = new ArrayList<>();
    Finalizer<Void> runnable = Weakref.finalize(o, () -> { seen.add("r"); });
    Finalizer<Boolean> callable = Weakref.finalize(o, () -> seen.add("c"));
    Finalizer<String> twoArgs = Weakref.finalize(o, args -> "n=" + args.length, "a", "b");
    Finalizer<String> oneArg = Weakref.finalize(o, args -> "n=" + args.length, "a");
    Finalizer<Object> nullResult = Weakref.finalize(o, a -> null, "a");
    Finalizer<String> threeArgs = Weakref.finalize(o, args -> List.of(args).toString(), 1, 2, 3);
    Finalizer<List<Object>> typed = Weakref.finalize(o, (Object[] a) -> List.of(a), "x");

    assertNull(runnable.call());
    assertEquals(Boolean.TRUE, callable.call());
    assertEquals("n=2", twoArgs.call());
    assertEquals("n=1", oneArg.call());
    assertNull(nullResult.call());
    assertEquals("[1, 2, 3]", threeArgs.call());
    assertEquals(List.of("x"), typed.call());
    assertEquals(List.of("r", "c"), seen);
  }
}
