/**
 * The reclaim engine's implementation: one {@link java.lang.ref.ReferenceQueue}, one daemon thread
 * named {@code weakref-reclaimer}, and an identity-keyed table of the tracked handles (refs,
 * proxies) of each referent; plus the tracking API that the reference types of {@code dev.weakref} register with.
 *
 * <p><b>Internal:</b> not exported (but to this library's own modules); its public classes are
 * public only so that {@code dev.weakref} and {@link dev.weakref.engine.Reclaimer}, the engine's
 * public face, can call them. Applications use {@code dev.weakref} and {@code dev.weakref.engine}.
 * This package imports nothing from {@code dev.weakref} but the
 * {@link dev.weakref.ReclaimRegistration} interface that listeners' registrations implement: the
 * public reference types stand on the engine, never the other way round.
 */
@NullMarked
package dev.weakref.internal.engine;

import org.jspecify.annotations.NullMarked;
