package dev.weakref.throwaway;

/** An interface that {@code WeakProxyTest} loads again into a throwaway class loader. */
public interface Pinger {
  /** Returns {@code "pong"}. */
  String ping();
}
