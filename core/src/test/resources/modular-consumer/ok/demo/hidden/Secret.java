package demo.hidden;

/** In a package the consumer neither exports nor opens. */
public interface Secret {
  String tell();
}
