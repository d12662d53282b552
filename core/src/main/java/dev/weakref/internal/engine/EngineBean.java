package dev.weakref.internal.engine;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/**
 * The engine's MXBean, {@code dev.weakref:type=Engine}, and its registration.
 *
 * <p><b>When.</b> Registered once, by the engine thread as it first starts (the engine starts on
 * the first use of a weak reference, a finalizer or a container): an operator who attaches sees
 * the bean as soon as there is an engine to watch, without the application ever calling
 * {@code stats()}; and the platform MBean server, which takes tens of milliseconds to set up, is set
 * up on the engine's thread, not on the thread that made the first reference. {@code collect()}
 * therefore returns only once the bean is registered (or given up).
 *
 * <p><b>When not.</b> Never at the cost of the engine: if the platform MBean server cannot be had,
 * or the name is taken (another copy of this library, loaded by another class loader, registered
 * first), the engine runs without the bean. Not when the library was loaded by a class loader
 * other than the system class loader (an application server's per-application loader): the
 * platform MBean server would hold the bean, hence that loader, for ever, and an application
 * redeployed must be collectable. Not when the system property {@code dev.weakref.jmx} is
 * {@code false}.
 */
final class EngineBean implements EngineMXBean {
  /** The bean's name. */
  static final String NAME = "dev.weakref:type=Engine";

  private static boolean tried; // engine thread only, and handed over with the loop's state

  private EngineBean() {}

  /** Registers the bean the first time it is called; engine thread only. Never throws. */
  static void registerOnce() {
    if (tried) {
      return;
    }
    tried = true;
    try {
      if ("false".equalsIgnoreCase(System.getProperty("dev.weakref.jmx"))
          || EngineBean.class.getClassLoader() != ClassLoader.getSystemClassLoader()) {
        return;
      }
      ManagementFactory.getPlatformMBeanServer().registerMBean(new EngineBean(), new ObjectName(NAME));
    } catch (Throwable t) {
      // No MBean server, the name taken, a security manager saying no: the engine does without.
    } finally {
      ReclaimLoop.afterUserCode(); // whatever setting up JMX left on the thread
    }
  }

  // Each attribute reads only its own counter: only refsAlive walks the registry, as stats() does.

  @Override
  public long getRefsAlive() {
    return Engine.stats().refsAlive();
  }

  @Override
  public long getReferentsTracked() {
    return Engine.REGISTRY.size();
  }

  @Override
  public long getCallbacksRun() {
    return Engine.LOOP.callbacksRun();
  }

  @Override
  public long getCallbackFailures() {
    return Unraisable.failures();
  }

  @Override
  public long getPending() {
    return Engine.LOOP.pending();
  }

  @Override
  public boolean isAlive() {
    return Engine.isAlive();
  }
}
