@file:JvmName("-WeakValue")

package dev.weakref

import kotlin.properties.ReadWriteProperty
import kotlin.reflect.KProperty

/**
 * A property delegate that holds its value weakly: reading returns the value while it is alive and
 * `null` once it was reclaimed. Each delegate has its own slot.
 *
 * ```kotlin
 * class Viewer {
 *     var image: Image? by weakValue()
 * }
 * ```
 *
 * Reads and writes are thread-safe (the slot is volatile).
 */
public fun <T : Any> weakValue(): ReadWriteProperty<Any?, T?> = WeakValueProperty(null)

/**
 * A property delegate that holds its value weakly, starting with [initial]; see [weakValue].
 *
 * @throws IllegalArgumentException if [initial] is a boxed primitive or another JDK value-based object
 */
public fun <T : Any> weakValue(initial: T?): ReadWriteProperty<Any?, T?> = WeakValueProperty(initial)

private class WeakValueProperty<T : Any>(initial: T?) : ReadWriteProperty<Any?, T?> {
  @Volatile private var ref: WeakRef<T>? = initial?.let { WeakRef.of(it) }

  override fun getValue(thisRef: Any?, property: KProperty<*>): T? = ref?.get()

  override fun setValue(thisRef: Any?, property: KProperty<*>, value: T?) {
    ref = value?.let { WeakRef.of(it) }
  }

  override fun toString(): String = "weakValue(${ref?.get()})"
}
