package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weakref.engine.Reclaimer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Runs also in the Surefire execution without kotlin-stdlib: proxies (whose callable test looks for
 * Kotlin interfaces by name and metadata) and weak methods need no Kotlin.
 */
final class WeakProxyJavaOnlyTest {

  static final class Task implements Runnable, Comparable<Task> {
    int runs;

    @Override
    public void run() {
      runs++;
    }

    @Override
    public int compareTo(Task o) {
      return 0;
    }

    String name() {
      return "task";
    }
  }

  @Test
  void proxy_andCallableDetection_workWithoutKotlin() {
    Task t = new Task();
    Object p = WeakProxy.of(t);
    assertInstanceOf(CallableWeakProxy.class, p);
    ((Runnable) p).run();
    assertEquals(1, t.runs);
    assertFalse(WeakProxy.of(new StringBuilder("x"), CharSequence.class) instanceof CallableWeakProxy);
    Runnable dead = proxyToGarbage();
    Reclaimer.collect();
    assertThrows(ReferenceError.class, dead::run);
  }

  private static Runnable proxyToGarbage() {
    return WeakProxy.of(new Task(), Runnable.class);
  }

  @Test
  void weakMethod_worksWithoutKotlin() {
    Task t = new Task();
    Function<Task, Supplier<String>> name = x -> x::name;
    WeakMethod<Supplier<String>> wm = WeakMethod.of(t, name);
    assertEquals("task", wm.get().get());
    WeakMethod<Supplier<String>> gone = WeakMethod.of(new Task(), name);
    Reclaimer.collect();
    assertNull(gone.get());
  }
}
