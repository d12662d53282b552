package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The static Python-shaped API; runs with no Kotlin on the class path (see pom.xml). */
final class WeakrefTest {

  @Test
  void ref_reusesTheCallbackLessRef_asCPythonDoes() {
    Object o = new Object();
    WeakRef<Object> r1 = Weakref.ref(o);
    WeakRef<Object> r2 = Weakref.ref(o);
    assertSame(r1, r2);
    assertSame(r1, Weakref.ref(o, null));
    assertEquals(1, Weakref.getWeakRefCount(o));
  }

  @Test
  void refWithCallback_isAlwaysNew_andNeverTheSharedOne() {
    Object o = new Object();
    WeakRef<Object> withCb = Weakref.ref(o, r -> {});
    WeakRef<Object> shared = Weakref.ref(o);
    assertNotSame(withCb, shared);
    assertNotSame(withCb, Weakref.ref(o, r -> {}));
    assertNull(shared.callback());
    assertEquals(3, Weakref.getWeakRefCount(o));
  }

  @Test
  void ref_neverHandsOutASubclassOrAPlainNewRefAsShared() {
    Object o = new Object();
    WeakRef<Object> plain = new WeakRef<>(o);
    WeakRef<Object> sub = new WeakRef<>(o) {};
    WeakRef<Object> shared = Weakref.ref(o);
    assertNotSame(plain, shared);
    assertNotSame(sub, shared);
    assertEquals(WeakRef.class, shared.getClass());
  }

  @Test
  void oIsO2Walk_fromThePythonDocs() {
    Object o = new Object();
    WeakRef<Object> r = Weakref.ref(o);
    Object o2 = r.get();
    assertSame(o, o2);
    o = null;
    o2 = null;
    Weakref.collect();
    assertNull(r.get());
  }

  @Test
  void getWeakRefs_andCount_seeEveryLiveRef() {
    Object o = new Object();
    assertEquals(0, Weakref.getWeakRefCount(o));
    assertEquals(List.of(), Weakref.getWeakRefs(o));
    WeakRef<Object> a = Weakref.ref(o);
    WeakRef<Object> b = Weakref.ref(o, r -> {});
    assertEquals(2, Weakref.getWeakRefCount(o));
    assertEquals(List.of(b, a), Weakref.getWeakRefs(o));
  }

  @Test
  void callbacks_runAfterCollect_newestFirst() {
    List<String> order = new CopyOnWriteArrayList<>();
    Object o = new Object();
    WeakRef<Object> a = Weakref.ref(o, r -> order.add("a"));
    WeakRef<Object> b = Weakref.ref(o, r -> order.add("b"));
    o = null;
    Weakref.collect();
    assertEquals(List.of("b", "a"), order);
    assertNull(a.get());
    assertNull(b.get());
  }

  @Test
  void referenceType_isWeakRef() {
    assertSame(WeakRef.class, Weakref.REFERENCE_TYPE);
    assertTrue(Weakref.REFERENCE_TYPE.isInstance(Weakref.ref(new Object[0])));
  }

  @Test
  void badInput_isRefusedClearly() {
    assertThrows(NullPointerException.class, () -> Weakref.ref(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weakref.ref(7L));
    assertEquals("cannot create weak reference to value-based java.lang.Long", e.getMessage());
  }

  @Test
  void kotlinIsNotOnThisClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("kotlin.Unit"));
  }
}
