/**
 * The reclaim engine's public face: one {@link java.lang.ref.ReferenceQueue}, one daemon thread
 * named {@code weakref-reclaimer}, and an identity-keyed registry of the weak references to each
 * referent, seen through {@link dev.weakref.engine.Reclaimer} (collect, the unraisable hook, stats,
 * listeners, and the per-referent queries behind {@code getweakrefcount}/{@code getweakrefs}) and
 * the small types it speaks in.
 *
 * <p>The implementation lives in {@code dev.weakref.internal.engine}, which is not exported. This
 * package imports nothing from {@code dev.weakref} but the {@link dev.weakref.ReclaimRegistration}
 * interface that {@code addListener} returns: the public reference types stand on the engine, never
 * the other way round.
 */
@NullMarked
package dev.weakref.engine;

import org.jspecify.annotations.NullMarked;
