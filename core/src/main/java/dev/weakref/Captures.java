package dev.weakref;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Finds a function object (a lambda, an anonymous or inner class) that holds a given object in one
 * of its fields: the capture hazard of {@code Finalizer.of}, {@code WeakMethod.of}, and the callbacks
 * of {@code WeakRef}, weak proxies and {@code WeakMethod}, where such a function would keep the
 * object it is meant to watch alive forever (and so never run).
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
   * Refuses a callback that is {@code referent} itself or holds it in one of its fields: the check of
   * {@code Finalizer.of}, with the same wording, for the callbacks of references and proxies.
   *
   * @param what names the callback in the message, such as {@code "the WeakRef callback"}
   * @param callback the callback to inspect (for a Kotlin facade, the Kotlin function itself, not
   *     its adapter)
   * @param referent the object the callback must not hold
   * @param role names the referent in the message, such as {@code "referent"} or {@code "receiver"}
   * @throws IllegalArgumentException if it does
   */
  static void requireNotHeld(String what, Object callback, Object referent, String role) {
    if (callback == referent) {
      throw new IllegalArgumentException(what + " is the " + role + " itself ("
          + referent.getClass().getName() + "): it could never be reclaimed");
    }
    Field f = fieldHolding(callback, referent);
    if (f != null) {
      throw new IllegalArgumentException(what + " " + callback.getClass().getName() + " holds the "
          + role + " in its field " + describe(f) + ": the " + role + " could never be reclaimed, so"
          + " the callback would never run; capture only what the callback needs (not "
          + referent.getClass().getName() + " itself) and take the reference from its argument");
    }
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
