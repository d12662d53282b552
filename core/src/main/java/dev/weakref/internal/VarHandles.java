package dev.weakref.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Internal: finds the {@link VarHandle}s of a class's fields in its static initializer. */
public final class VarHandles {
  private VarHandles() {}

  /**
   * Returns the handle of the instance field {@code name} of the lookup's class.
   *
   * @param lookup {@code MethodHandles.lookup()} of the class that declares the field
   * @param name the field's name
   * @param type the field's type
   * @return its handle
   * @throws ExceptionInInitializerError if there is no such field (a bug of ours)
   */
  public static VarHandle field(MethodHandles.Lookup lookup, String name, Class<?> type) {
    try {
      return lookup.findVarHandle(lookup.lookupClass(), name, type);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Returns the handle of the static field {@code name} of the lookup's class.
   *
   * @param lookup {@code MethodHandles.lookup()} of the class that declares the field
   * @param name the field's name
   * @param type the field's type
   * @return its handle
   * @throws ExceptionInInitializerError if there is no such field (a bug of ours)
   */
  public static VarHandle staticField(MethodHandles.Lookup lookup, String name, Class<?> type) {
    try {
      return lookup.findStaticVarHandle(lookup.lookupClass(), name, type);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
