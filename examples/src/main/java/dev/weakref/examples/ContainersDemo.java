package dev.weakref.examples;

import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakValueDictionary;
import dev.weakref.interop.Weakref;
import java.util.ArrayList;
import java.util.List;

/**
 * The weak containers: the Python docs' {@code id2obj} registry over a {@code WeakValueDictionary},
 * and a cache of large images whose entries disappear when the images are dropped.
 */
final class ContainersDemo {
  private ContainersDemo() {}

  /** A big object, as the Python docs' "large image object". */
  static final class Image {
    final String name;
    final byte[] pixels;

    Image(String name, int size) {
      this.name = name;
      this.pixels = new byte[size];
    }

    @Override
    public String toString() {
      return "Image(" + name + ", " + pixels.length / 1024 + " KiB)";
    }
  }

  /* The Python docs' example: _id2obj_dict = weakref.WeakValueDictionary() */
  private static final WeakValueDictionary<Integer, Object> ID2OBJ = Weakref.weakValueDictionary();

  /** Python: {@code def remember(obj): oid = id(obj); _id2obj_dict[oid] = obj; return oid}. */
  static int remember(Object obj) {
    int oid = System.identityHashCode(obj);
    ID2OBJ.put(oid, obj);
    return oid;
  }

  /** Python: {@code def id2obj(oid): return _id2obj_dict[oid]}; {@code null} once it is gone. */
  static Object id2obj(int oid) {
    return ID2OBJ.get(oid);
  }

  static void run() {
    System.out.println("\n>>> _id2obj_dict = WeakValueDictionary(); oid = remember(obj)");
    Demo.Thing obj = new Demo.Thing("remembered");
    int oid = remember(obj);
    System.out.println("id2obj(oid)       -> " + id2obj(oid));
    obj = null;
    Weakref.collect();
    System.out.println(">>> del obj; gc.collect()");
    System.out.println("id2obj(oid)       -> " + id2obj(oid) + "   (the registry did not keep it alive)");

    System.out.println("\n>>> a cache of large images: WeakKeyDictionary<Image, String> of thumbnails");
    WeakKeyDictionary<Image, String> thumbnails = Weakref.weakKeyDictionary();
    ReclaimRegistration reg = thumbnails.onReclaim(thumb ->
        System.out.println("  dropped from the cache: " + thumb + " (on " + Thread.currentThread().getName() + ")"));
    List<Image> open = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Image image = new Image("photo" + i, 4 << 20);
      open.add(image);
      thumbnails.put(image, "thumb-of-photo" + i);
    }
    System.out.println("cached            -> " + thumbnails.size() + " images, " + thumbnails.values());
    open.remove(0);
    open.remove(0);
    Weakref.collect();
    System.out.println(">>> two images closed; gc.collect()");
    System.out.println("cached            -> " + thumbnails.size() + " image, " + thumbnails.values());
    reg.close();
    open.clear();
  }
}
