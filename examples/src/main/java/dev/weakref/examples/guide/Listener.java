package dev.weakref.examples.guide;

/** An interface for the README's proxy and {@code WeakSet} snippets. */
public interface Listener {
  /**
   * Handles an event.
   *
   * @param event what happened
   */
  void onEvent(String event);
}
