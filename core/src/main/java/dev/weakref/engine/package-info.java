/**
 * The reclaim engine: one {@link java.lang.ref.ReferenceQueue}, one daemon thread named
 * {@code weakref-reclaimer}, and an identity-keyed registry of the weak references to each referent.
 *
 * <p>The public surface is {@link dev.weakref.engine.Reclaimer} (collect, the unraisable hook, stats,
 * listeners, and the per-referent queries behind {@code getweakrefcount}/{@code getweakrefs}), plus
 * the small types it speaks in. Everything else is package-private. This package imports nothing
 * from {@code dev.weakref} but the {@link dev.weakref.ReclaimRegistration} interface that
 * {@code addListener} returns: the public reference types stand on the engine, never the other way
 * round.
 */
@NullMarked
package dev.weakref.engine;

import org.jspecify.annotations.NullMarked;
