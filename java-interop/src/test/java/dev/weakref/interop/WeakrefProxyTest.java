package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.CallableWeakProxy;
import dev.weakref.ReferenceError;
import dev.weakref.WeakMethod;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The proxy and WeakMethod statics and the type constants of {@link Weakref}. */
final class WeakrefProxyTest {

  static final class Job implements Runnable, CharSequence {
    int runs;

    @Override
    public void run() {
      runs++;
    }

    @Override
    public int length() {
      return 3;
    }

    @Override
    public char charAt(int index) {
      return "job".charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return "job".subSequence(start, end);
    }

    @Override
    public String toString() {
      return "job";
    }

    String hello() {
      return "hello from job";
    }
  }

  @Test
  void typeConstants_matchPythonsModule() {
    assertSame(WeakRef.class, Weakref.REFERENCE_TYPE);
    assertSame(WeakProxy.class, Weakref.PROXY_TYPE);
    assertSame(CallableWeakProxy.class, Weakref.CALLABLE_PROXY_TYPE);
    assertEquals(List.of(WeakProxy.class, CallableWeakProxy.class), Weakref.PROXY_TYPES);
    assertThrows(UnsupportedOperationException.class, () -> Weakref.PROXY_TYPES.add(Object.class));
    Job job = new Job();
    Object p = Weakref.proxy(job);
    assertTrue(Weakref.PROXY_TYPES.stream().anyMatch(t -> t.isInstance(p)));
    assertInstanceOf(Weakref.CALLABLE_PROXY_TYPE, p);
    assertTrue(Weakref.REFERENCE_TYPE.isInstance(Weakref.weakMethod(job, (Job j) -> (Runnable) j::run)));
  }

  @Test
  void proxy_statics_delegateToWeakProxy() {
    Job job = new Job();
    Object all = Weakref.proxy(job);
    assertSame(all, WeakProxy.of(job));
    ((Runnable) all).run();
    assertEquals(1, job.runs);
    CharSequence cs = Weakref.proxy(job, CharSequence.class);
    assertSame(cs, Weakref.proxy(job, CharSequence.class, null));
    assertEquals(3, cs.length());
    assertEquals(2, Weakref.getWeakRefCount(job));
    assertTrue(Weakref.getWeakRefs(job).contains(cs));
  }

  @Test
  void proxy_withCallback_firesWithTheProxy_andDiesWithAReferenceError() {
    List<Object> calls = new CopyOnWriteArrayList<>();
    CharSequence p = proxyToGarbage(calls);
    Weakref.collect();
    assertEquals(List.of(p), calls);
    ReferenceError e = assertThrows(ReferenceError.class, p::length);
    assertEquals("weakly-referenced object no longer exists", e.getMessage());
  }

  private static CharSequence proxyToGarbage(List<Object> calls) {
    return Weakref.proxy(new Job(), CharSequence.class, calls::add);
  }

  @Test
  void weakMethod_pythonDocsExample() {
    Job job = new Job();
    Function<Job, Supplier<String>> hello = j -> j::hello;
    WeakMethod<Supplier<String>> wm = Weakref.weakMethod(job, hello);
    assertEquals("hello from job", wm.get().get());
    List<Object> calls = new CopyOnWriteArrayList<>();
    WeakMethod<Supplier<String>> gone = Weakref.weakMethod(new Job(), hello, calls::add);
    Weakref.collect();
    assertNull(gone.get());
    assertEquals(List.of(gone), calls);
  }
}
