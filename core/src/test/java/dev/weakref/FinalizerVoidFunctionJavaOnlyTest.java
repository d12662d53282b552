package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@code Finalizer.of(obj, consumer, arg)} and {@code of(obj, biConsumer, arg1, arg2)}: Python's
 * {@code finalize(obj, print, msg)}, a function that returns nothing called with its arguments
 * themselves. Runs without kotlin-stdlib too (the {@code *JavaOnlyTest} execution).
 */
final class FinalizerVoidFunctionJavaOnlyTest {

  private static void finalizeGarbage(List<Object> log) {
    Finalizer.of(new Object(), log::add, "reclaimed");
    Finalizer.of(new Object(), (String a, Integer b) -> log.add(a + b), "two", 2);
  }

  @Test
  void consumerAndBiConsumer_runWithTheirArgumentsAfterReclaim() {
    List<Object> log = new CopyOnWriteArrayList<>();
    finalizeGarbage(log);
    Reclaimer.collect();
    assertEquals(2, log.size(), log.toString());
    assertTrue(log.containsAll(List.of("reclaimed", "two2")), log.toString());
  }

  @Test
  void consumer_callPeekDetach() {
    Object o = new Object();
    List<Object> log = new CopyOnWriteArrayList<>();
    Consumer<Object> func = log::add;
    Finalizer<Void> f = Finalizer.of(o, func, "a");
    Finalizer.Info info = f.peek();
    assertNotNull(info);
    assertSame(func, info.func());
    assertEquals(List.of("a"), info.args());
    assertNull(f.call());
    assertNull(f.call()); // at most once
    assertEquals(List.of("a"), log);

    BiConsumer<Object, Object> bi = (a, b) -> log.add(a + "/" + b);
    Finalizer<Void> g = Finalizer.of(o, bi, "b", null);
    Finalizer.Info detached = g.detach();
    assertNotNull(detached);
    assertSame(bi, detached.func());
    assertEquals(Arrays.asList("b", null), detached.args());
    assertNull(g.call());
    assertEquals(List.of("a"), log);
  }

  @Test
  void consumer_refusesTheObjectAsArgumentOrCaptured() {
    Object o = new Object();
    List<Object> log = new CopyOnWriteArrayList<>();
    assertThrows(IllegalArgumentException.class, () -> Finalizer.of(o, log::add, o));
    assertThrows(IllegalArgumentException.class, () -> Finalizer.of(o, (a, b) -> log.add(b), 1, o));
    assertThrows(IllegalArgumentException.class,
        () -> Finalizer.of(o, a -> log.add(o), "x"));
    assertThrows(NullPointerException.class,
        () -> Finalizer.of(o, (Consumer<Object>) null, "x"));
  }
}
