/**
 * Python's {@code weakref} module for the JVM: weak references with callbacks, proxies, weak
 * containers and finalizers ({@code dev.weakref}), and the reclaim engine's public face
 * ({@code dev.weakref.engine}).
 *
 * <p>The engine's implementation ({@code dev.weakref.internal.engine}) and the helpers of the public
 * types ({@code dev.weakref.internal} and below) are not exported; the engine's is exported only to
 * this library's coroutines module, whose reclaim queues stand on its engine references.
 *
 * <p>A modular application that makes proxies of its own interfaces must export their package to
 * this module ({@code exports my.api to dev.weakref;}): the proxies call the referent through
 * reflection. The capture checks of callbacks and finalizers read the fields of lambdas only in
 * packages opened to this module ({@code opens my.app to dev.weakref;}). Kotlin is optional: the Kotlin facades need {@code kotlin.stdlib} at run time, the
 * Java API does not.
 */
module dev.weakref {
  requires static kotlin.stdlib;
  // Not transitive: a consumer then compiles without JSpecify too (the annotations are optional).
  requires static org.jspecify;
  // collect() reads -XX:+DisableExplicitGC through these; it does without them when they are absent.
  // jdk.management, which provides java.management's platform beans, is bound in by that service.
  // Also for the engine's bean, dev.weakref:type=Engine (see EngineBean).
  requires java.management;
  requires static jdk.management;
  // The engine's Flight Recorder events; optional: without jdk.jfr the engine records none.
  requires static jdk.jfr;

  exports dev.weakref;
  exports dev.weakref.engine;
  exports dev.weakref.internal.engine to dev.weakref.coroutines;
}
