package dev.weakref.testing;

import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Takes the engine's unraisable hook for the length of a test and gives the previous one back on
 * {@link #close()}: what reaches the hook meanwhile is recorded, in order, instead of printed.
 *
 * <pre>{@code
 * try (UnraisableCapture unraisable = UnraisableCapture.start()) {
 *   ...
 *   Reclaimer.collect();
 *   assertEquals(1, unraisable.errors().size());
 * }
 * }</pre>
 *
 * In Kotlin: {@code UnraisableCapture.start().use { unraisable -> ... }}. Captures do not nest
 * across threads: the hook is global, so only one test at a time may hold one.
 */
public final class UnraisableCapture implements AutoCloseable {
  private final UnraisableHook previous;
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private final List<@Nullable Object> sources = new CopyOnWriteArrayList<>();

  private UnraisableCapture(UnraisableHook then) {
    previous = Reclaimer.setUnraisableHook((error, source) -> {
      errors.add(error);
      sources.add(source);
      then.unraisable(error, source);
    });
  }

  /**
   * Installs a hook that records what reaches it.
   *
   * @return the capture; close it to give the previous hook back
   */
  public static UnraisableCapture start() {
    return new UnraisableCapture((error, source) -> {});
  }

  /**
   * Installs a hook that records what reaches it and then hands it to {@code then}, on the thread
   * that reported it (to complete a future, or to throw, as a broken hook would).
   *
   * @param then what else the hook does
   * @return the capture; close it to give the previous hook back
   */
  public static UnraisableCapture start(UnraisableHook then) {
    return new UnraisableCapture(Objects.requireNonNull(then, "then"));
  }

  /**
   * The errors reported so far, oldest first.
   *
   * @return a live, thread-safe view
   */
  public List<Throwable> errors() {
    return errors;
  }

  /**
   * The sources reported with {@link #errors()}, index for index ({@code null} where none was given).
   *
   * @return a live, thread-safe view
   */
  public List<@Nullable Object> sources() {
    return sources;
  }

  /** Gives the previous hook back. */
  @Override
  public void close() {
    Reclaimer.setUnraisableHook(previous);
  }
}
