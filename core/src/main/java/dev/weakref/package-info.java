/**
 * Python's {@code weakref} module for the JVM: {@link dev.weakref.WeakRef} ({@code ref}) with
 * callbacks, {@link dev.weakref.WeakProxy} ({@code proxy}), {@link dev.weakref.WeakMethod},
 * {@link dev.weakref.Finalizer} ({@code finalize}), and the weak containers
 * {@link dev.weakref.WeakKeyDictionary}, {@link dev.weakref.WeakValueDictionary} and
 * {@link dev.weakref.WeakSet}.
 *
 * <p>Callbacks run on the engine thread described in {@link dev.weakref.engine.Reclaimer}. Java
 * callers may prefer the static entry points of {@code dev.weakref.interop.Weakref}; Kotlin callers
 * get extension functions from the same package ({@code obj.weakRef { }}).
 */
@NullMarked
package dev.weakref;

import org.jspecify.annotations.NullMarked;
