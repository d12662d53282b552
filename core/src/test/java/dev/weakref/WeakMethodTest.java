package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code WeakMethodTestCase}. */
final class WeakMethodTest {

  /** Equal by name, so that two receivers can be equal without being the same. */
  static final class Counter {
    final String name;
    int count;

    Counter(String name) {
      this.name = name;
    }

    void increment() {
      count++;
    }

    int add(int n) {
      count += n;
      return count;
    }

    String describe() {
      return name + "=" + count;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Counter c && c.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  private static final Function<Counter, Runnable> INCREMENT = c -> c::increment;
  private static final Function<Counter, Supplier<String>> DESCRIBE = c -> c::describe;

  @Test
  void get_bindsTheMethodAfreshWhileTheReceiverLives() {
    Counter c = new Counter("c");
    WeakMethod<Runnable> wm = WeakMethod.of(c, INCREMENT);
    Runnable first = wm.get();
    Runnable second = wm.get();
    assertNotNull(first);
    assertNotSame(first, second);
    first.run();
    second.run();
    assertEquals(2, c.count);
    WeakMethod<IntUnaryOperator> add = WeakMethod.of(c, x -> x::add);
    assertEquals(12, add.get().applyAsInt(10));
  }

  @Test
  void get_returnsNullAfterTheReceiverIsReclaimed() {
    WeakMethod<Runnable> wm = weakMethodToGarbage(null);
    Reclaimer.collect();
    assertNull(wm.get());
  }

  @Test
  void callback_runsOnceWithTheWeakMethod_whenTheReceiverIsReclaimed() {
    List<WeakMethod<Runnable>> calls = new CopyOnWriteArrayList<>();
    WeakMethod<Runnable> wm = weakMethodToGarbage(calls::add);
    Reclaimer.collect();
    assertEquals(List.of(wm), calls);
    assertSame(wm, calls.get(0));
    assertNull(wm.get());
  }

  private static WeakMethod<Runnable> weakMethodToGarbage(
      java.util.function.Consumer<WeakMethod<Runnable>> callback) {
    return WeakMethod.of(new Counter("gone"), INCREMENT, callback);
  }

  @Test
  void plainWeakRefToBoundMethodReference_diesAtOnce_whileWeakMethodSurvives() {
    Counter c = new Counter("alive");
    WeakRef<Runnable> plain = plainRefToBoundMethod(c);
    WeakMethod<Runnable> wm = WeakMethod.of(c, INCREMENT);
    Reclaimer.collect();
    // c::increment is a new object that only the WeakRef held: gone, though c is alive.
    assertNull(plain.get());
    assertNotNull(wm.get());
    wm.get().run();
    assertEquals(1, c.count);
  }

  private static WeakRef<Runnable> plainRefToBoundMethod(Counter c) {
    Runnable bound = c::increment;
    return new WeakRef<>(bound);
  }

  @Test
  void weakMethod_isAWeakRefToTheReceiver_andCountsForIt() {
    Counter c = new Counter("c");
    WeakMethod<Runnable> wm = WeakMethod.of(c, INCREMENT);
    assertInstanceOf(WeakRef.class, wm);
    assertEquals(1, Reclaimer.weakRefCount(c));
    assertSame(wm, Reclaimer.weakRefs(c).get(0));
    assertNull(wm.callback());
  }

  @Test
  void binder_thatCapturesTheReceiver_isRefusedNamingTheField() {
    Counter c = new Counter("c");
    Function<Counter, Runnable> capturing = ignored -> c::increment;
    IllegalArgumentException lambda = assertThrows(IllegalArgumentException.class,
        () -> WeakMethod.of(c, capturing));
    assertTrue(lambda.getMessage().contains("captures the receiver in its field 'arg$1'"),
        lambda.getMessage());
    IllegalArgumentException anonymous = assertThrows(IllegalArgumentException.class,
        () -> WeakMethod.of(c, new Function<Counter, Runnable>() {
          @Override
          public Runnable apply(Counter ignored) {
            return c::increment;
          }
        }));
    assertTrue(anonymous.getMessage().contains("'val$c'"), anonymous.getMessage());
    // Capturing something else is fine.
    String suffix = "!";
    Function<Counter, Supplier<String>> withSuffix = x -> () -> x.describe() + suffix;
    WeakMethod<Supplier<String>> ok = WeakMethod.of(c, withSuffix);
    assertEquals("c=0!", ok.get().get());
  }

  @Test
  void of_refusesNullAndValueBasedReceivers() {
    assertThrows(NullPointerException.class, () -> WeakMethod.of(null, INCREMENT));
    assertThrows(NullPointerException.class, () -> WeakMethod.of(new Counter("c"), (Function<Counter, Runnable>) null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WeakMethod.of(Integer.valueOf(3), i -> (Supplier<String>) i::toString));
    assertEquals("cannot create weak reference to value-based java.lang.Integer", e.getMessage());
  }

  @Test
  void equals_whileAlive_sameBinderAndEqualReceivers() {
    Counter a = new Counter("x");
    Counter twin = new Counter("x");
    Counter other = new Counter("y");
    WeakMethod<Runnable> wm = WeakMethod.of(a, INCREMENT);
    assertEquals(wm, WeakMethod.of(a, INCREMENT));
    assertEquals(wm, WeakMethod.of(twin, INCREMENT));
    assertEquals(wm.hashCode(), WeakMethod.of(twin, INCREMENT).hashCode());
    assertNotEquals(wm, WeakMethod.of(other, INCREMENT));
    Function<Counter, Runnable> sameCodeOtherObject = c -> c::increment;
    assertNotEquals(wm, WeakMethod.of(a, sameCodeOtherObject)); // another binder object
    assertNotEquals(wm, WeakMethod.of(a, DESCRIBE));
    assertNotEquals(wm, new WeakRef<>(a)); // a plain ref is not a weak method
  }

  @Test
  void equals_afterDeath_isIdentity_andHashIsKept() {
    WeakMethod<Runnable> wm = weakMethodToGarbage(null);
    WeakMethod<Runnable> other = weakMethodToGarbage(null);
    int hash = wm.hashCode();
    Reclaimer.collect();
    assertEquals(wm, wm);
    assertNotEquals(wm, other);
    assertEquals(hash, wm.hashCode());
    IllegalStateException e = assertThrows(IllegalStateException.class, other::hashCode);
    assertEquals("weak object has gone away", e.getMessage());
  }

  @Test
  void toString_describesTheReceiver_thenDead() {
    Counter c = new Counter("c");
    WeakMethod<Runnable> wm = WeakMethod.of(c, INCREMENT);
    assertEquals("<weakref at 0x" + Integer.toHexString(System.identityHashCode(wm)) + "; to '"
        + Counter.class.getName() + "' at 0x" + Integer.toHexString(System.identityHashCode(c))
        + ">", wm.toString());
    WeakMethod<Runnable> dead = weakMethodToGarbage(null);
    Reclaimer.collect();
    assertEquals("<weakref at 0x" + Integer.toHexString(System.identityHashCode(dead)) + "; dead>",
        dead.toString());
  }

  @Test
  void callbacks_ofWeakMethodsProxiesAndRefs_runNewestFirst() {
    List<String> order = new CopyOnWriteArrayList<>();
    List<Object> keep = mixed(order);
    Reclaimer.collect();
    assertEquals(List.of("proxy", "method", "ref"), order);
    assertEquals(3, keep.size());
  }

  /** A receiver with an interface, so that proxies to it can be made too. */
  static final class Ticker implements Runnable {
    int ticks;

    @Override
    public void run() {
      ticks++;
    }
  }

  private static List<Object> mixed(List<String> order) {
    Ticker t = new Ticker();
    WeakRef<Ticker> ref = new WeakRef<>(t, r -> order.add("ref"));
    Function<Ticker, Runnable> binder = x -> x::run;
    WeakMethod<Runnable> method = WeakMethod.of(t, binder, m -> order.add("method"));
    Runnable proxy = WeakProxy.of(t, Runnable.class, p -> order.add("proxy"));
    return List.of(ref, method, proxy);
  }
}
