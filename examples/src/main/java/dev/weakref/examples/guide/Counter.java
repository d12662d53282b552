package dev.weakref.examples.guide;

/** A receiver for the README's {@code WeakMethod} snippets. */
public final class Counter {
  /** How often {@link #increment()} ran. */
  public int count;

  /** Adds one to {@link #count}. */
  public void increment() {
    count++;
  }
}
