package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weakref.engine.Reclaimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Runs in the Surefire execution without kotlin-stdlib (see core/pom.xml): the whole Java face of
 * {@link Finalizer} needs no Kotlin class.
 */
final class FinalizerJavaOnlyTest {

  private static void finalizeGarbage(List<String> events) {
    Finalizer.of(new Object(), () -> events.add("reclaimed"));
  }

  @Test
  void wholeFinalizerApi_worksWithoutKotlin() {
    List<String> events = new CopyOnWriteArrayList<>();
    Object o = new Object();
    Finalizer<String> f = Finalizer.of(o, a -> "sum " + ((Integer) a[0] + (Integer) a[1]), 1, 2);
    f.setAtExit(false);
    assertEquals(false, f.atExit());
    assertNotNull(f.peek());
    f.toString();
    assertEquals("sum 3", f.call());
    assertNull(f.call());
    Finalizer.Info info = Finalizer.of(o, () -> "x").detach();
    assertNotNull(info);
    assertSame(o, info.obj());
    assertThrows(IllegalArgumentException.class, () -> Finalizer.of(o, () -> o.hashCode()));
    finalizeGarbage(events);
    Reclaimer.collect();
    assertEquals(List.of("reclaimed"), events);
  }
}
