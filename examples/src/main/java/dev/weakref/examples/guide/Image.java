package dev.weakref.examples.guide;

/** What the README's snippets refer to weakly: an ordinary class, compared by identity. */
public final class Image {
  /** The file name. */
  public final String name;

  /**
   * Creates an image.
   *
   * @param name its file name
   */
  public Image(String name) {
    this.name = name;
  }

  /**
   * Returns {@code Image(name)}.
   *
   * @return the image's name, for printing
   */
  @Override
  public String toString() {
    return "Image(" + name + ")";
  }
}
