/**
 * Internal: helpers of the public types of {@code dev.weakref}. Not part of the API: nothing here
 * is exported, and anything may change in any release.
 */
@NullMarked
package dev.weakref.internal;

import org.jspecify.annotations.NullMarked;
