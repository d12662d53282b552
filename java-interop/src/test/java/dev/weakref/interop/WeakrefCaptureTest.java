package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The statics refuse a callback that holds its own referent, as {@code Weakref.finalize} does. */
final class WeakrefCaptureTest {

  static final class Task implements Runnable {
    @Override
    public void run() {}
  }

  private static final Function<Task, Runnable> RUN = t -> t::run;

  @Test
  void ref_callbackCapturingTheObject_isRefusedNamingTheField() {
    Task task = new Task();
    String message = assertThrows(IllegalArgumentException.class,
        () -> Weakref.ref(task, r -> task.run())).getMessage();
    assertTrue(message.startsWith("the WeakRef callback "), message);
    assertTrue(message.contains("holds the referent in its field 'arg$1'"), message);
    assertEquals(0, Weakref.getWeakRefCount(task));
  }

  @Test
  void proxy_callbackCapturingTheObject_isRefusedNamingTheField() {
    Task task = new Task();
    String message = assertThrows(IllegalArgumentException.class,
        () -> Weakref.proxy(task, Runnable.class, p -> task.run())).getMessage();
    assertTrue(message.startsWith("the weak proxy callback "), message);
    assertTrue(message.contains("holds the referent in its field 'arg$1'"), message);
    assertEquals(0, Weakref.getWeakRefCount(task));
  }

  @Test
  void weakMethod_callbackCapturingTheReceiver_isRefused() {
    Task task = new Task();
    String message = assertThrows(IllegalArgumentException.class,
        () -> Weakref.weakMethod(task, RUN, wm -> task.run())).getMessage();
    assertTrue(message.startsWith("the WeakMethod callback "), message);
    assertEquals(0, Weakref.getWeakRefCount(task));
  }

  @Test
  void callbacksCapturingOtherValues_areAccepted() {
    Task task = new Task();
    String label = "gone";
    StringBuilder log = new StringBuilder();
    Object ref = Weakref.ref(task, r -> log.append(label));
    Object proxy = Weakref.proxy(task, Runnable.class, p -> log.append(label));
    Object method = Weakref.weakMethod(task, RUN, wm -> log.append(label));
    assertEquals(List.of(method, proxy, ref), Weakref.getWeakRefs(task));
  }
}
