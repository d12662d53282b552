/**
 * Internal: the helpers behind the public types of {@code dev.weakref} (the capture check, the
 * referent admission rule, Python's reprs, the weak proxy classes, the registry of live finalizers
 * and their exit hook). Not API: nothing here is exported, and it may change in any release.
 */
@NullMarked
package dev.weakref.internal;

import org.jspecify.annotations.NullMarked;
