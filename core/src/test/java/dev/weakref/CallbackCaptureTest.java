package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A callback that holds its own referent would keep it alive forever and never run: refs, proxies
 * and weak methods refuse it, with the check and wording of {@code Finalizer.of}, naming the field.
 */
final class CallbackCaptureTest {
  private static final Function<Target, Runnable> RUN = t -> t::run;

  /** A referent that proxies can implement, and whose inner class captures it. */
  static final class Target implements Runnable {
    @Override
    public void run() {}

    /** An inner class: its enclosing instance, {@code this$0}, is the referent. */
    final class InnerCallback implements Consumer<Object> {
      @Override
      public void accept(Object ignored) {}
    }
  }

  /** A callback that is also the referent. */
  static final class SelfCallback implements Runnable, Consumer<Object> {
    @Override
    public void run() {}

    @Override
    public void accept(Object ignored) {}
  }

  private static String refused(Executable creation) {
    return assertThrows(IllegalArgumentException.class, creation).getMessage();
  }

  private static void assertNames(String message, String what, String role, String field) {
    assertTrue(message.startsWith(what + " "), message);
    assertTrue(message.contains(" holds the " + role + " in its field " + field), message);
    assertTrue(message.contains("could never be reclaimed, so the callback would never run"),
        message);
  }

  @Test
  void weakRef_lambdaCapturingTheReferent_isRefusedNamingTheField() {
    Target t = new Target();
    String message = refused(() -> new WeakRef<>(t, r -> t.run()));
    assertNames(message, "the WeakRef callback", "referent",
        "'arg$1' (captured value #1 of a lambda)");
    assertTrue(message.contains("not " + Target.class.getName() + " itself"), message);
    assertEquals(0, Reclaimer.weakRefCount(t), "nothing was registered");
  }

  @Test
  void weakRef_anonymousClassCapturingTheReferent_isRefusedNamingTheVariable() {
    Target t = new Target();
    Consumer<WeakRef<Target>> anonymous = new Consumer<>() {
      @Override
      public void accept(WeakRef<Target> r) {
        t.run();
      }
    };
    assertNames(refused(() -> new WeakRef<>(t, anonymous)), "the WeakRef callback", "referent",
        "'val$t' (the captured variable 't')");
    assertNames(refused(() -> WeakRef.of(t, anonymous)), "the WeakRef callback", "referent",
        "'val$t'");
  }

  @Test
  void weakRef_innerClassOfTheReferent_isRefusedNamingTheEnclosingInstance() {
    Target t = new Target();
    Consumer<Object> inner = t.new InnerCallback();
    assertNames(refused(() -> new WeakRef<Target>(t, inner)), "the WeakRef callback", "referent",
        "'this$0' (the enclosing instance)");
  }

  @Test
  void weakRef_callbackThatIsTheReferent_isRefused() {
    SelfCallback self = new SelfCallback();
    String message = refused(() -> new WeakRef<Object>(self, self));
    assertTrue(message.startsWith("the WeakRef callback is the referent itself ("
        + SelfCallback.class.getName() + ")"), message);
  }

  @Test
  void weakRef_callbackCapturingOtherValues_isAcceptedAndRuns() {
    List<String> log = new CopyOnWriteArrayList<>();
    WeakRef<Target> wr = refToGarbage(log, "gone");
    Reclaimer.collect();
    assertEquals(List.of("gone"), log);
    assertNull(wr.get());
  }

  private static WeakRef<Target> refToGarbage(List<String> log, String label) {
    return new WeakRef<>(new Target(), r -> log.add(label));
  }

  @Test
  void weakRefSubclass_isCheckedToo() {
    Target t = new Target();
    assertNames(refused(() -> new WeakRefSubclassTest.ExtendedRef<>(t, r -> t.run(), "sub")),
        "the WeakRef callback", "referent", "'arg$1'");
  }

  @Test
  void proxy_callbackCapturingTheReferent_isRefusedNamingTheField() {
    Target t = new Target();
    assertNames(refused(() -> WeakProxy.of(t, Runnable.class, p -> t.run())),
        "the weak proxy callback", "referent", "'arg$1' (captured value #1 of a lambda)");
    Consumer<Runnable> anonymous = new Consumer<>() {
      @Override
      public void accept(Runnable p) {
        t.run();
      }
    };
    assertNames(refused(() -> WeakProxy.of(t, Runnable.class, anonymous)),
        "the weak proxy callback", "referent", "'val$t'");
    assertNames(refused(() -> WeakProxy.of(t, Runnable.class, t.new InnerCallback())),
        "the weak proxy callback", "referent", "'this$0' (the enclosing instance)");
    assertEquals(0, Reclaimer.weakRefCount(t), "nothing was registered");
  }

  @Test
  void proxy_callbackThatIsTheReferent_isRefused() {
    SelfCallback self = new SelfCallback();
    String message = refused(() -> WeakProxy.of(self, Runnable.class, self));
    assertTrue(message.startsWith("the weak proxy callback is the referent itself"), message);
  }

  @Test
  void proxy_callbackCapturingOtherValues_isAcceptedAndRuns() {
    List<String> log = new CopyOnWriteArrayList<>();
    Runnable proxy = proxyToGarbage(log, "gone");
    Reclaimer.collect();
    assertEquals(List.of("gone"), log);
    assertThrows(ReferenceError.class, proxy::run);
  }

  private static Runnable proxyToGarbage(List<String> log, String label) {
    return WeakProxy.of(new Target(), Runnable.class, p -> log.add(label));
  }

  @Test
  void weakMethod_callbackCapturingTheReceiver_isRefusedNamingTheField() {
    Target t = new Target();
    assertNames(refused(() -> WeakMethod.of(t, RUN, wm -> t.run())),
        "the WeakMethod callback", "referent", "'arg$1' (captured value #1 of a lambda)");
    assertNames(refused(() -> WeakMethod.of(t, RUN, t.new InnerCallback())),
        "the WeakMethod callback", "referent", "'this$0' (the enclosing instance)");
    assertEquals(0, Reclaimer.weakRefCount(t), "nothing was registered");
  }

  @Test
  void capturedReferent_isNamedAsFinalizerOfNamesIt() {
    Target t = new Target();
    Runnable cleanup = () -> t.run();
    String finalizer = refused(() -> Finalizer.of(t, cleanup));
    Consumer<Object> callback = r -> t.run();
    String ref = refused(() -> new WeakRef<Object>(t, callback));
    String field = "in its field 'arg$1' (captured value #1 of a lambda): the ";
    assertTrue(finalizer.contains(field), finalizer);
    assertTrue(ref.contains(field), ref);
    String advice = "capture only what the ";
    assertTrue(finalizer.contains(advice) && ref.contains(advice), ref);
  }

  @Test
  void check_readsOnlyTheCallbacksOwnFields() {
    // A referent held through another object is not seen: documented, and cheap to check.
    Target t = new Target();
    Supplier<Target> holder = () -> t;
    WeakRef<Target> wr = new WeakRef<>(t, r -> holder.get());
    assertEquals(1, Reclaimer.weakRefCount(t));
    assertEquals(wr, Reclaimer.weakRefs(t).get(0));
  }
}
