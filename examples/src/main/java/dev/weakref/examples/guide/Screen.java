package dev.weakref.examples.guide;

/** A {@link Listener} that prints what it gets, for the README's snippets. */
public final class Screen implements Listener {
  private final String name;

  /**
   * Creates a screen.
   *
   * @param name what it prints before each event
   */
  public Screen(String name) {
    this.name = name;
  }

  @Override
  public void onEvent(String event) {
    System.out.println(name + " got " + event);
  }
}
