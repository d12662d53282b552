package dev.weakref.internal;

import java.lang.annotation.Annotation;
import java.util.Objects;

/**
 * Internal: the admission rule for referents: not {@code null}, and not an instance of a JDK value-based class.
 *
 * <p>Identity is meaningless for value-based classes ({@code Integer}, {@code Optional},
 * {@code LocalDate}, the {@code List.of} lists, …): two equal values may or may not be the same
 * object, so a weak reference to one may die at any moment or never. Future JDKs (Valhalla) throw
 * {@code IdentityException} for them; we refuse them now, as Python refuses {@code int}. The JDK marks
 * these classes with the runtime-retained annotation {@code jdk.internal.ValueBased}.
 */
public final class Referents {
  private static final ClassValue<Boolean> VALUE_BASED = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        for (Annotation a : c.getDeclaredAnnotations()) {
          if (a.annotationType().getName().equals("jdk.internal.ValueBased")) {
            return true;
          }
        }
      }
      return false;
    }
  };

  private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();

  private Referents() {}

  /**
   * Returns {@code referent} if a weak reference may be made to it.
   *
   * @param referent the would-be referent
   * @param <T> its type
   * @return {@code referent}
   * @throws NullPointerException if it is {@code null}
   * @throws IllegalArgumentException if it is an instance of a value-based class
   */
  public static <T> T requireReferenceable(T referent) {
    Objects.requireNonNull(referent, "cannot create weak reference to null");
    Class<?> type = referent.getClass();
    // Value-based classes all live in the JDK: one field read rules out application classes.
    ClassLoader loader = type.getClassLoader();
    if ((loader == null || loader == PLATFORM) && VALUE_BASED.get(type)) {
      throw new IllegalArgumentException(
          "cannot create weak reference to value-based " + type.getName());
    }
    return referent;
  }
}
