package demo.closed;

import dev.weakref.Finalizer;

/** In a package the consumer does not open: Finalizer.of cannot look into its lambdas. */
public final class Capturing {
  private Capturing() {}

  public static String finalizerCapturing(Object obj) {
    try {
      Finalizer<?> f = Finalizer.of(obj, () -> {
        obj.hashCode();
      });
      f.detach();
      return "accepted";
    } catch (IllegalArgumentException e) {
      return "refused";
    }
  }
}
