package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Ported from CPython's {@code SubclassableWeakrefTestCase} and the docs' {@code ExtendedRef}. */
final class WeakRefSubclassTest {

  /** The Python docs' example: a ref that counts how often its referent was fetched. */
  static final class ExtendedRef<T> extends WeakRef<T> {
    final String name;
    int calls;

    ExtendedRef(T ob, Consumer<? super WeakRef<T>> callback, String name) {
      super(ob, callback);
      this.name = name;
    }

    @Override
    public T get() {
      T ob = super.get();
      if (ob != null) {
        calls++;
      }
      return ob;
    }
  }

  @Test
  void extendedRef_countsCallsAndKeepsItsAttributes() {
    Object o = new Object();
    ExtendedRef<Object> wr = new ExtendedRef<>(o, null, "extended");
    assertSame(o, wr.get());
    assertSame(o, wr.get());
    assertEquals(2, wr.calls);
    assertEquals("extended", wr.name);
    assertTrue(wr instanceof WeakRef<?>);
    o = null;
    Reclaimer.collect();
    assertNull(wr.get());
    assertEquals(2, wr.calls);
  }

  @Test
  void subclassCallback_receivesTheSubclassInstance() {
    List<Object> seen = new CopyOnWriteArrayList<>();
    Object o = new Object();
    ExtendedRef<Object> wr = new ExtendedRef<>(o, seen::add, "cb");
    o = null;
    Reclaimer.collect();
    assertEquals(List.of(wr), seen);
  }

  @Test
  void subclassInstances_countAndAreNeverShared() {
    Object o = new Object();
    ExtendedRef<Object> sub = new ExtendedRef<>(o, null, "sub");
    WeakRef<Object> shared = WeakRef.of(o);
    assertEquals(WeakRef.class, shared.getClass());
    assertEquals(2, Reclaimer.weakRefCount(o));
    assertEquals(List.of(shared, sub), Reclaimer.weakRefs(o));
  }

  @Test
  void hashAndRepr_readTheReferentItself_notTheOverridingGet() {
    Object o = new Object();
    ExtendedRef<Object> wr = new ExtendedRef<>(o, null, "quiet");
    assertEquals(o.hashCode(), wr.hashCode());
    assertTrue(wr.toString().contains("'java.lang.Object'"), wr.toString());
    assertEquals(0, wr.calls, "hashCode() and toString() must not count as calls");
    java.lang.ref.Reference.reachabilityFence(o);
  }
}
