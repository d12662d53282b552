package dev.weakref;

/**
 * Thrown when a weak proxy is used after its referent was reclaimed.
 *
 * <p>Python: {@code ReferenceError}. Every call through a dead {@link WeakProxy} throws it with the
 * message {@code "weakly-referenced object no longer exists"}, except {@code toString()}, which
 * names the proxy dead, {@code equals}, which falls back to identity, and {@code hashCode()}, which
 * is never supported.
 */
public class ReferenceError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The message Python uses: {@code "weakly-referenced object no longer exists"}. */
  static final String GONE = "weakly-referenced object no longer exists";

  /** Creates the error with Python's message, {@code "weakly-referenced object no longer exists"}. */
  public ReferenceError() {
    super(GONE);
  }

  /**
   * Creates the error with a message of your choosing.
   *
   * @param message the detail message
   */
  public ReferenceError(String message) {
    super(message);
  }
}
