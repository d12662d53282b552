package dev.weakref.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Internal: the one capture check, which refuses a function object (a lambda, an anonymous or
 * inner class) that holds the object it watches in one of its fields: the hazard of
 * {@code Finalizer.of}, {@code WeakMethod.of}, and the callbacks of {@code WeakRef}, weak proxies
 * and {@code WeakMethod}, where such a function would keep that object alive forever (and so never
 * run).
 *
 * <p>Which fields a class has is computed once per class ({@link ClassValue}); a check then reads
 * only those. Only direct references are seen: a value held through another object (a Kotlin
 * captured {@code var}'s {@code Ref}, a collection) is not, and neither are fields of classes in
 * packages not opened to this module.
 */
public final class Captures {
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
  private static @Nullable Field fieldHolding(Object function, Object target) {
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
   * Refuses a callback that is {@code referent} itself or holds it in one of its fields: the check
   * of the callbacks of references, weak methods and proxies.
   *
   * @param what names the callback in the message, such as {@code "the WeakRef callback"}
   * @param callback the callback to inspect (for a Kotlin facade, the Kotlin function itself, not
   *     its adapter)
   * @param referent the object the callback must not hold
   * @param role names the referent in the message, such as {@code "referent"} or {@code "receiver"}
   * @throws IllegalArgumentException if it does
   */
  public static void requireNotHeld(String what, Object callback, Object referent, String role) {
    requireNotHeld(Kind.CALLBACK, what, callback, referent, role);
  }

  /**
   * Refuses a finalizer function that is {@code obj} itself or holds it in one of its fields, and
   * arguments of which one is {@code obj}: the check of {@code Finalizer.of}.
   *
   * @param obj the object to finalize
   * @param func the function to inspect (for the Kotlin facade, the Kotlin function itself)
   * @param args the arguments the function will be passed
   * @throws IllegalArgumentException if one of them holds or is {@code obj}
   */
  public static void requireNotHeldByFinalizer(Object obj, Object func, Object[] args) {
    requireNotHeld(Kind.FINALIZER, "the finalizer function", func, obj, "object to finalize");
    for (int i = 0; i < args.length; i++) {
      if (args[i] == obj) {
        throw new IllegalArgumentException("finalizer argument " + i + " is the object to finalize ("
            + obj.getClass().getName() + "): the object could never be reclaimed");
      }
    }
  }

  /**
   * Refuses a {@code WeakMethod} binder that holds the receiver in one of its fields.
   *
   * @param receiver the receiver the binder must not hold
   * @param binder the binder to inspect
   * @throws IllegalArgumentException if it does
   */
  public static void requireNotHeldByBinder(Object receiver, Object binder) {
    requireNotHeld(Kind.BINDER, "WeakMethod binder", binder, receiver, "receiver");
  }

  /** The one check: identity (unless the kind allows it), then each field of the function. */
  private static void requireNotHeld(Kind kind, String what, Object function, Object target,
      String role) {
    if (function == target && kind != Kind.BINDER) {
      throw new IllegalArgumentException(what + " is the " + role + " itself ("
          + target.getClass().getName() + "): it could never be reclaimed");
    }
    Field f = fieldHolding(function, target);
    if (f != null) {
      throw new IllegalArgumentException(kind.heldInField(what + " " + function.getClass().getName(),
          role, describe(f), target.getClass().getName()));
    }
  }

  /**
   * The kinds of function checked, each with the wording of its refusal; a binder that is the
   * receiver itself is not refused (it never was).
   */
  private enum Kind {
    CALLBACK {
      @Override
      String heldInField(String function, String role, String field, String targetClass) {
        return function + " holds the " + role + " in its field " + field + ": the " + role
            + " could never be reclaimed, so the callback would never run; capture only what the"
            + " callback needs (not " + targetClass + " itself) and take the reference from its"
            + " argument";
      }
    },
    FINALIZER {
      @Override
      String heldInField(String function, String role, String field, String targetClass) {
        return function + " holds the " + role + " in its field " + field + ": the object could"
            + " never be reclaimed, so the function would never run before exit; capture only what"
            + " the cleanup needs (not " + targetClass + " itself)";
      }
    },
    BINDER {
      @Override
      String heldInField(String function, String role, String field, String targetClass) {
        return function + " captures the " + role + " in its field " + field + ", so the " + role
            + " could never be reclaimed: bind the argument instead, as in c -> c::method";
      }
    };

    /** The message for {@code function} ("what" and class name) holding the target in a field. */
    abstract String heldInField(String function, String role, String field, String targetClass);
  }

  /**
   * Names a captured field for an error message: {@code 'arg$1' (captured value #1 of a lambda)}.
   *
   * @param f a field returned by {@link #fieldHolding}
   */
  private static String describe(Field f) {
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
