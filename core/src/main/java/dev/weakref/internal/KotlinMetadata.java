package dev.weakref.internal;

/**
 * Internal: reads the one fact this library needs from Kotlin's {@code kotlin.Metadata} annotation: whether a
 * class is a {@code fun interface}. Kotlin records that only in the protobuf-encoded class flags of
 * {@code d1}, so this is a minimal protobuf reader; it links no Kotlin class.
 *
 * <p>{@code d1} holds bytes as chars (the "UTF-8 mode" every Kotlin compiler since 1.0 writes, marked
 * by a leading {@code '\u0000'}): first a length-delimited string table, then the
 * {@code ProtoBuf.Class} message, whose field 1 is its flags. In those flags, after
 * has-annotations (1 bit), visibility (3), modality (2), class kind (3) and the inner, data, external,
 * expect and value bits, bit 14 is {@code IS_FUN_INTERFACE}.
 */
final class KotlinMetadata {
  /** {@code kotlin.Metadata.k} of a class. */
  static final int KIND_CLASS = 1;

  private static final int CLASS_KIND_SHIFT = 6;
  private static final int CLASS_KIND_INTERFACE = 1;
  private static final int IS_FUN_INTERFACE = 1 << 14;
  /** The flags when the field is absent: public final class. */
  private static final int DEFAULT_FLAGS = 6;

  private KotlinMetadata() {}

  static boolean isFunInterface(String[] d1) {
    int flags = classFlags(d1);
    return ((flags >>> CLASS_KIND_SHIFT) & 7) == CLASS_KIND_INTERFACE
        && (flags & IS_FUN_INTERFACE) != 0;
  }

  /** Returns the class flags, or 0 when the data is in a form this reader does not know. */
  static int classFlags(String[] d1) {
    if (d1.length == 0 || d1[0].isEmpty() || d1[0].charAt(0) != '\u0000') {
      return 0; // the pre-1.0 7-bit encoding: never seen on a fun interface (Kotlin 1.4+)
    }
    Reader in = new Reader(d1);
    in.next(); // the UTF-8 mode marker
    int tableLength = in.varint();
    in.skip(tableLength);
    while (in.hasNext()) {
      int tag = in.varint();
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1 && wire == 0) {
        return in.varint();
      }
      switch (wire) {
        case 0 -> in.varint();
        case 1 -> in.skip(8);
        case 2 -> in.skip(in.varint());
        case 5 -> in.skip(4);
        default -> {
          return 0;
        }
      }
    }
    return DEFAULT_FLAGS;
  }

  /** Bytes out of the strings of {@code d1}, one per char. */
  private static final class Reader {
    private final String[] parts;
    private int part;
    private int index;

    Reader(String[] parts) {
      this.parts = parts;
    }

    boolean hasNext() {
      while (part < parts.length && index >= parts[part].length()) {
        part++;
        index = 0;
      }
      return part < parts.length;
    }

    int next() {
      if (!hasNext()) {
        throw new IllegalStateException("truncated Kotlin metadata");
      }
      return parts[part].charAt(index++) & 0xFF;
    }

    int varint() {
      int result = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int b = next();
        result |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      // Negative int32 values take ten bytes; the rest cannot matter for flags.
      for (int i = 0; i < 5 && (next() & 0x80) != 0; i++) {
        // skip
      }
      return result;
    }

    void skip(int n) {
      for (int i = 0; i < n; i++) {
        next();
      }
    }
  }
}
