package dev.weakref.internal.engine;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child JVM of {@link TrackingConnectTest}: code outside {@code dev.weakref} calls
 * {@link Tracking#connect} before any ref exists, then makes a ref with a callback and lets its
 * referent die. Prints what connect did, then how often the callback fired.
 */
public final class TrackingConnectChild {
  private TrackingConnectChild() {}

  public static void main(String[] args) {
    HandleAccess impostor = new HandleAccess() {
      @Override
      public Reference<?> referenceOf(Object handle) {
        throw new AssertionError("the impostor's access was used");
      }

      @Override
      public int referentHash(Reference<?> reference) {
        throw new AssertionError("the impostor's access was used");
      }
    };
    try {
      Tracking.connect(impostor);
      System.out.println("connected");
    } catch (IllegalCallerException e) {
      System.out.println("refused: " + e.getMessage());
    }
    AtomicInteger fired = new AtomicInteger();
    WeakRef<Object> ref = refToGarbage(fired);
    Reclaimer.collect();
    System.out.println("fired " + fired.get() + ", cleared " + (ref.get() == null));
  }

  private static WeakRef<Object> refToGarbage(AtomicInteger fired) {
    return new WeakRef<>(new Object(), r -> fired.incrementAndGet());
  }
}
