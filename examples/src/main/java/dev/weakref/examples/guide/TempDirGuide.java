package dev.weakref.examples.guide;

import dev.weakref.interop.Weakref;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's use of {@link TempDir}: a finalizer runs when its object was forgotten. */
public final class TempDirGuide {
  private TempDirGuide() {}

  /**
   * Drops a {@link TempDir} without closing it and shows that its directory is gone after a
   * collection.
   *
   * @throws IOException if the directory cannot be made
   */
  @SuppressWarnings("UnusedAssignment")
  public static void forgotten() throws IOException {
    // tag::temp-dir-forgotten[]
    TempDir dir = new TempDir();
    Path path = dir.path;
    dir = null;                                  // never closed
    Weakref.collect();
    System.out.println(Files.exists(path));      // false: its finalizer deleted it
    // end::temp-dir-forgotten[]
  }
}
