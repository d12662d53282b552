package dev.weakref.internal.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A per-class cache whose values are of this library's classes (so that they pin this library's
 * class loader), which never pins that loader for longer than the class it is about lives.
 *
 * <p>A {@link ClassValue} stores its value in the class it is about, with the {@code ClassValue}'s
 * identity as a weak key: a value that refers back to this library (its class does) keeps that key,
 * and so this library's loader, alive for as long as the class lives. For a class of an ancestor of
 * this library's loader (the JDK's {@code Object}, {@code List}, ...) that is until JVM exit, so a
 * web application bundling this library could never be collected. Such classes' values live in a
 * map of our own instead, which dies with this library (and whose keys outlive it anyway); the
 * others (this library's loader, a descendant or an unrelated one) stay in the {@code ClassValue},
 * dying with their class. When this library's loader is the system class loader or one of its
 * ancestors it is never collected, and everything stays in the {@code ClassValue}: one static final
 * read more than a plain {@code ClassValue}.
 *
 * <p><b>Internal:</b> public for {@code dev.weakref.internal}.
 *
 * @param <V> the type of the values
 */
public final class PerClass<V> {
  /** Whether this library's loader may be collected before JVM exit (a web application's). */
  private static final boolean COLLECTABLE = collectable(PerClass.class.getClassLoader());

  private final Function<Class<?>, V> compute;
  private final ClassValue<V> inClass;
  private final ConcurrentHashMap<Class<?>, V> ancestors = new ConcurrentHashMap<>();

  /**
   * Creates an empty cache.
   *
   * @param compute computes a class's value, once per class (but for races)
   */
  public PerClass(Function<Class<?>, V> compute) {
    this.compute = compute;
    this.inClass = new ClassValue<>() {
      @Override
      protected V computeValue(Class<?> type) {
        return compute.apply(type);
      }
    };
  }

  /**
   * Returns the value of {@code type}, computing it the first time.
   *
   * @param type any class
   * @return its value
   */
  public V get(Class<?> type) {
    if (!COLLECTABLE) {
      return inClass.get(type);
    }
    V v = ancestors.get(type);
    if (v != null) {
      return v;
    }
    return isAncestor(type.getClassLoader())
        ? ancestors.computeIfAbsent(type, compute)
        : inClass.get(type);
  }

  private static boolean collectable(@Nullable ClassLoader ours) {
    for (ClassLoader l = ClassLoader.getSystemClassLoader(); l != null; l = l.getParent()) {
      if (l == ours) {
        return false;
      }
    }
    return ours != null; // the boot loader, last, is never collected either
  }

  /** Whether {@code loader} is a strict ancestor of this library's loader. */
  private static boolean isAncestor(@Nullable ClassLoader loader) {
    ClassLoader ours = PerClass.class.getClassLoader();
    if (loader == null) {
      return ours != null; // the boot loader: an ancestor of every other
    }
    for (ClassLoader l = ours == null ? null : ours.getParent(); l != null; l = l.getParent()) {
      if (l == loader) {
        return true;
      }
    }
    return false;
  }
}
