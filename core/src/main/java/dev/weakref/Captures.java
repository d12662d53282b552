package dev.weakref;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Finds a function object (a lambda, an anonymous or inner class) that holds a given object in one
 * of its fields: the capture hazard of {@code Finalizer.of} and {@code WeakMethod.of}, where such a
 * function would keep the object it is meant to watch alive forever.
 *
 * <p>Which fields a class has is computed once per class ({@link ClassValue}); a check then reads
 * only those. Only direct references are seen: a value held through another object (a Kotlin
 * captured {@code var}'s {@code Ref}, a collection) is not, and neither are fields of classes in
 * packages not opened to this module.
 */
final class Captures {
  private static final Field[] NONE = {};

  private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
    @Override
    protected Field[] computeValue(Class<?> type) {
      List<Field> out = new ArrayList<>();
      for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()
              && f.trySetAccessible()) {
            out.add(f);
          }
        }
      }
      return out.isEmpty() ? NONE : out.toArray(NONE);
    }
  };

  private Captures() {}

  /**
   * Returns the field of {@code function} that holds {@code target} itself, or {@code null}.
   *
   * @param function the function object to inspect
   * @param target the object it must not hold
   */
  static @Nullable Field fieldHolding(Object function, Object target) {
    for (Field f : FIELDS.get(function.getClass())) {
      try {
        if (f.get(function) == target) {
          return f;
        }
      } catch (IllegalAccessException e) {
        // trySetAccessible made this rare: an unreadable field cannot be checked.
      }
    }
    return null;
  }

  /**
   * Names a captured field for an error message: {@code 'arg$1' (captured value #1 of a lambda)}.
   *
   * @param f a field returned by {@link #fieldHolding}
   */
  static String describe(Field f) {
    String name = f.getName();
    String what;
    if (name.startsWith("this$")) {
      what = " (the enclosing instance)";
    } else if (name.startsWith("arg$")) {
      what = " (captured value #" + name.substring(4) + " of a lambda)";
    } else if (name.startsWith("val$")) {
      what = " (the captured variable '" + name.substring(4) + "')";
    } else if (name.startsWith("$") && name.length() > 1) {
      what = " (the captured variable '" + name.substring(1) + "' of a Kotlin lambda)";
    } else {
      what = "";
    }
    return "'" + name + "'" + what;
  }
}
