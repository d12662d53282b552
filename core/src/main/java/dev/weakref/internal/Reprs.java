package dev.weakref.internal;

import org.jspecify.annotations.Nullable;

/**
 * Internal: Python's reprs of weak objects: {@code <weakref at 0x…; to 'pkg.Class' at 0x…>} and
 * {@code <weakref at 0x…; dead>}. The hexadecimal numbers are identity hash codes, the JVM's stand-in
 * for addresses. Never calls anything on the target but {@code getClass()}.
 */
public final class Reprs {
  private Reprs() {}

  /**
   * Returns {@code <kind at 0x…; link 'target's class' at 0x…>}, or {@code <kind at 0x…; dead>} if
   * {@code target} is {@code null}.
   *
   * @param kind Python's name for the object, such as {@code weakref}
   * @param self the object described
   * @param link the word before the target's class: {@code to} or {@code for}
   * @param target what it refers to, or {@code null} when that is gone
   * @return the repr
   */
  public static String of(String kind, Object self, String link, @Nullable Object target) {
    String head = "<" + kind + " at 0x" + Integer.toHexString(System.identityHashCode(self));
    if (target == null) {
      return head + "; dead>";
    }
    return head + "; " + link + " '" + target.getClass().getName() + "' at 0x"
        + Integer.toHexString(System.identityHashCode(target)) + ">";
  }
}
