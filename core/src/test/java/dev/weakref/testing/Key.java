package dev.weakref.testing;

/**
 * An object equal to any other {@code Key} of the same name, like a Python object defining
 * {@code __eq__} and {@code __hash__}: two equal keys are still two objects, each reclaimed on its
 * own. Used as keys, values and referents wherever equality must not be identity.
 */
public final class Key {
  /** The name that equality and the hash code go by. */
  public final String name;

  /**
   * Makes a key.
   *
   * @param name its name
   */
  public Key(String name) {
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key k && k.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "Key(" + name + ")";
  }
}
