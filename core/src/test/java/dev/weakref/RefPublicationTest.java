package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What a concurrent {@code getWeakRefs} sees of a reference under construction: the library's own
 * subclass only fully built, a user's subclass with its {@code WeakRef} part complete.
 */
final class RefPublicationTest {
  private static final Function<Receiver, Runnable> RUN = r -> r::run;
  private static final long RACE_NANOS = 3_000_000_000L;

  static final class Receiver {
    void run() {}
  }

  /**
   * One thread creates weak methods to a receiver while another reads them back through
   * {@code getWeakRefs} and uses them. Before the fix the WeakRef constructor registered the weak
   * method before its binder was set, and the reader's {@code get()} threw a NullPointerException.
   */
  private long created;

  @Test
  void weakMethod_isNeverSeenWithoutItsBinder() throws Exception {
    AtomicReference<Receiver> current = new AtomicReference<>(new Receiver());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] seen = new long[1];
    Thread reader = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Receiver receiver = current.get();
          List<Object> refs = Reclaimer.weakRefs(receiver);
          if (!refs.isEmpty()) {
            // The newest, read as soon as possible: the one a half-built publication would expose.
            assertNotNull(((WeakMethod<?>) refs.get(0)).get(), "a weak method to a live receiver");
            seen[0]++;
          }
          // The writer has moved on to another receiver: only this local keeps this one alive.
          Reference.reachabilityFence(receiver);
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "getWeakRefs reader");
    reader.start();
    try {
      long start = System.nanoTime();
      Object keep = null;
      long i = 0;
      for (; failure.get() == null && System.nanoTime() - start < RACE_NANOS; i++) {
        if (i % 4 == 0) {
          current.set(new Receiver()); // a short list of refs for the reader to walk
        }
        keep = WeakMethod.of(current.get(), RUN);
      }
      assertNotNull(keep);
      created = i;
    } finally {
      reader.interrupt();
      reader.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("getWeakRefs returned a half-built WeakMethod (after " + created
          + " created, " + seen[0] + " read)", failure.get());
    }
    assertTrue(seen[0] > 0, "the reader saw weak methods");
  }

  @Test
  void weakMethod_isRegisteredOnlyAfterItsChecks() {
    Receiver receiver = new Receiver();
    Consumer<WeakMethod<Runnable>> capturing = wm -> receiver.run();
    try {
      WeakMethod.of(receiver, RUN, capturing);
    } catch (IllegalArgumentException expected) {
      // refused
    }
    assertEquals(List.of(), Reclaimer.weakRefs(receiver));
    WeakMethod<Runnable> wm = WeakMethod.of(receiver, RUN);
    assertEquals(List.of(wm), Reclaimer.weakRefs(receiver));
  }

  /**
   * A user's subclass is registered when {@code WeakRef}'s constructor ends, before its own
   * constructor body: another thread may then see it, with the {@code WeakRef} part complete and the
   * subclass's fields not yet set, as WeakRef's Javadoc says.
   */
  static final class Peeking<T> extends WeakRef<T> {
    final String label;
    final AtomicReference<Object> seenFromOtherThread = new AtomicReference<>();
    @SuppressWarnings("unused")
    String labelSeen = "unread";
    boolean callbackSeen;
    int hashSeen;

    Peeking(T referent, Consumer<? super WeakRef<T>> callback, String label) {
      super(referent, callback);
      Thread peek = new Thread(() -> {
        List<Object> refs = Reclaimer.weakRefs(referent);
        @SuppressWarnings("unchecked")
        Peeking<T> me = (Peeking<T>) refs.get(0);
        seenFromOtherThread.set(me);
        labelSeen = me.label; // the subclass's field: not set yet
        callbackSeen = me.callback() == callback;
        hashSeen = me.hashCode();
      });
      peek.start();
      try {
        peek.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      this.label = label;
    }
  }

  @Test
  void userSubclass_seenFromItsConstructor_hasItsWeakRefPartComplete() {
    Object o = new Object();
    Consumer<WeakRef<Object>> callback = r -> {};
    Peeking<Object> wr = new Peeking<>(o, callback, "built");
    assertSame(wr, wr.seenFromOtherThread.get());
    assertTrue(wr.callbackSeen, "callback() of the WeakRef part is set when registered");
    assertEquals(o.hashCode(), wr.hashSeen);
    assertNull(wr.labelSeen, "the subclass's own field is not set yet: documented");
    assertEquals("built", wr.label);
    assertEquals(List.of(wr), Reclaimer.weakRefs(o));
  }
}
