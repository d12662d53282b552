package dev.weakref.throwaway;

/** A package-private interface, which reflection from {@code dev.weakref} may not call directly. */
public final class Secrets {
  private Secrets() {}

  interface Secret {
    String reveal();
  }

  static final class Keeper implements Secret {
    @Override
    public String reveal() {
      return "hidden";
    }
  }

  /** Returns an object whose only interface is package-private. */
  public static Object keeper() {
    return new Keeper();
  }

  /** Calls the package-private interface on {@code proxy}, as code in this package can. */
  public static String reveal(Object proxy) {
    return ((Secret) proxy).reveal();
  }
}
