package dev.weakref.throwaway;

/** The implementation that {@code WeakProxyTest} loads into a throwaway class loader. */
public final class PingerImpl implements Pinger {
  @Override
  public String ping() {
    return "pong";
  }
}
