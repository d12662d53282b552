package dev.weakref.interop;

import static dev.weakref.interop.Weakref.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weakref.Finalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code import static dev.weakref.interop.Weakref.*}: every name usable unqualified, finalizers
 * through {@code finalizer(…)} (an unqualified {@code finalize(…)} here would mean
 * {@code Object.finalize()} and not compile).
 */
final class WeakrefStaticImportTest {

  private static void finalizerOnGarbage(List<String> log) {
    finalizer(new Object(), log::add, "reclaimed"); // Consumer + one argument, dropped at once
  }

  @Test
  void finalizer_unqualified_allFiveOverloads() {
    Object o = new Object();
    List<String> log = new ArrayList<>();
    Finalizer<Void> runnable = finalizer(o, () -> { log.add("runnable"); });
    Finalizer<String> callable = finalizer(o, () -> "callable");
    Finalizer<String> function = finalizer(o, a -> "function " + a.length, 1, 2, 3);
    Finalizer<Void> consumer = finalizer(o, log::add, "consumer");
    Finalizer<Void> biConsumer = finalizer(o, (String a, Integer b) -> log.add(a + b), "bi", 2);

    assertNull(runnable.call());
    assertEquals("callable", callable.call());
    assertEquals("function 3", function.call());
    assertNull(consumer.call());
    assertNull(biConsumer.call());
    assertEquals(List.of("runnable", "consumer", "bi2"), log);
  }

  @Test
  void finalizer_consumer_runsWithItsArgumentAfterReclaim() {
    List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
    finalizerOnGarbage(log);
    collect();
    assertEquals(List.of("reclaimed"), log);
  }

  @Test
  void otherNames_unqualified() {
    Object o = new Object();
    assertSame(ref(o), ref(o));
    assertEquals(1, getWeakRefCount(o));
    assertNotNull(weakSet());
    assertNotNull(weakKeyDictionary());
    assertNotNull(weakValueDictionary());
    AtomicInteger n = new AtomicInteger();
    Runnable r = weakMethod(n, c -> (Runnable) c::incrementAndGet).get();
    assertNotNull(r);
    r.run();
    assertEquals(1, n.get());
  }
}
