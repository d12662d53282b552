package dev.weakref.examples;

import dev.weakref.Finalizer;
import dev.weakref.interop.Weakref;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The Python docs' {@code weakref.finalize} examples: Kenny, {@code callback(1, 2, z=3)}, detach,
 * and the {@code TempDir} class, whose directory goes away on reclaim, on {@code remove()} or at
 * exit.
 */
final class FinalizeDemo {
  private FinalizeDemo() {}

  /** An object to finalize: Python's {@code class Object: pass}. */
  static final class Thing {
    @Override
    public String toString() {
      return "<Thing object at 0x" + Integer.toHexString(System.identityHashCode(this)) + ">";
    }
  }

  /**
   * The Python docs' {@code TempDir}: a real temporary directory, deleted when the object is
   * reclaimed, when {@link #remove()} is called, or at JVM exit, whichever comes first.
   */
  static final class TempDir {
    final Path name;
    private final Finalizer<Void> finalizer;

    TempDir() throws IOException {
      name = Files.createTempDirectory("weakref-demo");
      Files.writeString(name.resolve("data.txt"), "some data");
      Path dir = name; // capture the path, never this: the capture check would refuse it
      finalizer = Finalizer.of(this, () -> deleteTree(dir));
    }

    void remove() {
      finalizer.call();
    }

    boolean removed() {
      return !finalizer.isAlive();
    }
  }

  /** {@code shutil.rmtree}. */
  static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
      System.out.println("  rmtree " + dir + " on " + Thread.currentThread().getName());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The docs' {@code callback(x, y, z)}: prints and returns the sum; {@code z} comes in a map. */
  static final Function<Object[], Integer> CALLBACK = a -> {
    System.out.println("  CALLBACK");
    return (Integer) a[0] + (Integer) a[1] + (Integer) ((Map<?, ?>) a[2]).get("z");
  };

  static void run() {
    System.out.println("\n== weakref.finalize ==");
    kenny();
    callback();
    detach();
    tempDirs();
    FinalizeKotlinDemo.run();
  }

  private static void kenny() {
    System.out.println("\n>>> kenny = Thing(); weakref.finalize(kenny, print, \"You killed Kenny!\")");
    Thing kenny = new Thing();
    Finalizer<Void> f = Weakref.finalize(kenny, System.out::println, "  You killed Kenny!");
    System.out.println(f);
    kenny = null;
    System.out.println(">>> del kenny; gc.collect()");
    Weakref.collect();
  }

  private static void callback() {
    System.out.println("\n>>> f = weakref.finalize(obj, callback, 1, 2, z=3)");
    Thing obj = new Thing();
    Finalizer<Integer> f = Weakref.finalize(obj, CALLBACK, 1, 2, Map.of("z", 3));
    System.out.println("f.alive           -> " + f.isAlive());
    System.out.println("f()               -> " + f.call());
    System.out.println("f.alive           -> " + f.isAlive());
    System.out.println("f()               -> " + f.call() + "   (callback not called: finalizer dead)");
    obj = null;
    Weakref.collect();
    System.out.println(">>> del obj; gc.collect()   (callback not called: finalizer dead)");
  }

  private static void detach() {
    System.out.println("\n>>> f = weakref.finalize(obj, callback, 1, 2, z=3); f.detach()");
    Thing obj = new Thing();
    Finalizer<Integer> f = Weakref.finalize(obj, CALLBACK, 1, 2, Map.of("z", 3));
    Finalizer.Info info = f.detach();
    System.out.println("f.detach()        -> " + info);
    System.out.println("f.alive           -> " + f.isAlive());
    System.out.println("newobj is obj     -> " + (info.obj() == obj));
    @SuppressWarnings("unchecked")
    Function<Object[], Integer> func = (Function<Object[], Integer>) info.func();
    System.out.println("func(*args)       -> " + func.apply(info.args().toArray()));
  }

  /** Kept alive to the end, so its directory is removed by the exit run. */
  private static TempDir survivor;

  private static void tempDirs() {
    try {
      System.out.println("\n>>> class TempDir: removed on remove(), on reclaim, or at exit");
      TempDir a = new TempDir();
      System.out.println("a.remove()");
      a.remove();
      System.out.println("a.removed -> " + a.removed() + ", exists -> " + Files.exists(a.name));

      Path bName = tempDirGarbage();
      System.out.println("b dropped; gc.collect()");
      Weakref.collect();
      System.out.println("b exists -> " + Files.exists(bName));

      survivor = new TempDir();
      System.out.println("c = TempDir() kept to the end: removed at exit (look below the demo)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes a TempDir nobody holds once this returns; returns its path. */
  private static Path tempDirGarbage() throws IOException {
    return new TempDir().name;
  }
}
