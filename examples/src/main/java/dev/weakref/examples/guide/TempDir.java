package dev.weakref.examples.guide;

// tag::temp-dir[]
import static dev.weakref.interop.Weakref.*;

import dev.weakref.Finalizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A temporary directory deleted when closed, or else once it is reclaimed, or at exit. */
final class TempDir implements AutoCloseable {
  final Path path = Files.createTempDirectory("guide");
  private final Finalizer<Boolean> cleanup;

  TempDir() throws IOException {
    Path p = path;                                        // capture the path, never `this`
    cleanup = finalizer(this, () -> Files.deleteIfExists(p)); // finalize(…) means Object.finalize()
  }

  @Override
  public void close() {
    cleanup.call();                                       // runs it now, at most once
  }
}
// end::temp-dir[]
