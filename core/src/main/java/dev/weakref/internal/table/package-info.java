/**
 * Internal: the concurrent hash table behind the weak containers. Not part of the API: nothing
 * here is exported, and anything may change in any release.
 *
 * <p>Where things live: {@link dev.weakref.internal.table.WeakTable} (the table and its locking
 * protocol), {@code Entry} and {@code Stripe} (the nodes and their {@code VarHandle}s),
 * {@code Kind}, {@code WeakKeys} and {@code WeakValues} (what differs with the weak side),
 * {@code Cursor} and {@code Views} (iteration and the dictionaries' views).
 */
@NullMarked
package dev.weakref.internal.table;

import org.jspecify.annotations.NullMarked;
