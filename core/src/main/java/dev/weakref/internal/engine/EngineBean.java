package dev.weakref.internal.engine;

import dev.weakref.engine.ReclaimStats;
import java.lang.management.ManagementFactory;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanConstructorInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ObjectName;
import org.jspecify.annotations.Nullable;

/**
 * The engine's bean, {@code dev.weakref:type=Engine}: the figures of
 * {@link dev.weakref.engine.Reclaimer#stats()} and whether the engine thread is alive, read-only
 * attributes read when asked.
 *
 * <p><b>Why a {@link DynamicMBean}.</b> A standard MBean or MXBean is called by the JMX
 * implementation through its interface by reflection, from a class of no module: the interface's
 * package would have to be exported to everyone, putting an interface in the public API for the
 * sake of JMX. A dynamic bean is called through {@code javax.management} only, and stays here.
 *
 * <p><b>When.</b> Registered once, as the engine thread first starts (the engine starts on the
 * first use of a weak reference, a finalizer or a container): an operator who attaches sees the
 * bean as soon as there is an engine to watch, without the application ever calling
 * {@code stats()}. The platform MBean server, which takes a few hundred milliseconds to set up, is
 * set up on a short-lived thread of its own, {@code weakref-jmx}, neither on the thread that made
 * the first reference nor on the engine thread, whose first callbacks would wait for it.
 * {@code collect()} returns only once that registration has ended (the bean registered, or given
 * up).
 *
 * <p><b>When not.</b> Never at the cost of the engine: if the platform MBean server cannot be had,
 * or the name is taken (another copy of this library, loaded by another class loader, registered
 * first), the engine runs without the bean. Not when the library was loaded by a class loader
 * other than the system class loader (an application server's per-application loader): the
 * platform MBean server would hold the bean, hence that loader, for ever, and an application
 * redeployed must be collectable. Not when the system property {@code dev.weakref.jmx} is
 * {@code false}.
 */
final class EngineBean implements DynamicMBean {
  /** The bean's name. */
  static final String NAME = "dev.weakref:type=Engine";

  private static boolean tried; // engine thread only, and handed over with the loop's state

  private static final MBeanInfo INFO = new MBeanInfo(EngineBean.class.getName(),
      "The weakref engine: the figures of Reclaimer.stats(), each read when asked (RefsAlive walks"
          + " the registry)",
      new MBeanAttributeInfo[] {
          attribute("RefsAlive", "long", "Tracked references and proxies whose referent has not"
              + " been reclaimed"),
          attribute("ReferentsTracked", "long", "Records of tracked referents: an object's lone ref"
              + " or its group of refs, including those of dead referents not swept yet"),
          attribute("CallbacksRun", "long", "Callbacks, finalizers and container unlinks run since"
              + " start, including those that threw"),
          attribute("CallbackFailures", "long", "Callbacks and listeners that threw, each reported"
              + " to the unraisable hook"),
          attribute("Pending", "long", "References taken from the queue whose processing has not"
              + " finished"),
          attribute("SlowCallbacks", "long", "Callbacks and listeners reported for running longer"
              + " than the watchdog's bound"),
          new MBeanAttributeInfo("Alive", "boolean", "Whether the weakref-reclaimer thread is"
              + " running, or ended for want of work and starts again on demand", true, false,
              true),
      },
      new MBeanConstructorInfo[0], new MBeanOperationInfo[0], new MBeanNotificationInfo[0]);

  private static MBeanAttributeInfo attribute(String name, String type, String description) {
    return new MBeanAttributeInfo(name, type, description, true, false, false);
  }

  private EngineBean() {}

  /** The registration under way, until a {@code collect()} has seen it end. */
  private static volatile @Nullable Thread registering;

  /**
   * Starts the bean's registration on a thread of its own the first time it is called; engine
   * thread only. Never throws.
   */
  static void registerOnce() {
    if (tried) {
      return;
    }
    tried = true;
    if ("false".equalsIgnoreCase(System.getProperty("dev.weakref.jmx"))
        || EngineBean.class.getClassLoader() != ClassLoader.getSystemClassLoader()) {
      return;
    }
    try {
      Thread t = Engine.newInnocuousThread("weakref-jmx", EngineBean::register);
      registering = t;
      t.start();
    } catch (Throwable e) { // OutOfMemoryError: unable to create a thread; the engine does without
      registering = null;
    }
  }

  private static void register() {
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(new EngineBean(), new ObjectName(NAME));
    } catch (Throwable t) {
      // No MBean server, the name taken, a security manager saying no: the engine does without.
    }
    // Here, with java.management loaded already and off the engine thread, so that the first
    // collect() does not read them inside its deadline.
    CollectBarrier.readBeansOnce();
  }

  /**
   * Waits, at most {@code millis}, until a registration started by {@link #registerOnce} has ended;
   * for {@code collect()}, so that the bean is there once a first {@code collect()} returned. Only
   * the first call after the start waits.
   */
  static void awaitRegistration(long millis) {
    Thread t = registering;
    if (t == null) {
      return;
    }
    registering = null; // waited for once: a registration that hangs delays one collect() only
    try {
      t.join(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the caller's next wait reports it
    }
  }

  @Override
  public Object getAttribute(String name) throws AttributeNotFoundException {
    // RefsAlive and ReferentsTracked walk the table of tracked handles, as stats() does.
    switch (name) {
      case "RefsAlive":
        return Engine.stats().refsAlive();
      case "ReferentsTracked":
        return Engine.stats().referentsTracked();
      case "CallbacksRun":
        return Engine.LOOP.callbacksRun();
      case "CallbackFailures":
        return Unraisable.failures();
      case "Pending":
        return (long) Engine.LOOP.pending();
      case "SlowCallbacks":
        return Engine.stats().slowCallbacks();
      case "Alive":
        return Engine.isAlive();
      default:
        throw new AttributeNotFoundException("dev.weakref:type=Engine has no attribute " + name
            + "; it has RefsAlive, ReferentsTracked, CallbacksRun, CallbackFailures, Pending,"
            + " SlowCallbacks, Alive");
    }
  }

  @Override
  public AttributeList getAttributes(String[] names) {
    AttributeList list = new AttributeList();
    ReclaimStats stats = Engine.stats(); // one snapshot for all the attributes asked at once
    for (String name : names) {
      switch (name) {
        case "RefsAlive" -> list.add(new Attribute(name, stats.refsAlive()));
        case "ReferentsTracked" -> list.add(new Attribute(name, stats.referentsTracked()));
        case "CallbacksRun" -> list.add(new Attribute(name, stats.callbacksRun()));
        case "CallbackFailures" -> list.add(new Attribute(name, stats.callbackFailures()));
        case "Pending" -> list.add(new Attribute(name, stats.pending()));
        case "SlowCallbacks" -> list.add(new Attribute(name, stats.slowCallbacks()));
        case "Alive" -> list.add(new Attribute(name, Engine.isAlive()));
        default -> { } // left out, as the contract of getAttributes says
      }
    }
    return list;
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException("dev.weakref:type=Engine is read-only: cannot set "
        + attribute.getName());
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList(); // read-only: none set
  }

  @Override
  public @Nullable Object invoke(String action, Object[] params, String[] signature) {
    throw new UnsupportedOperationException("dev.weakref:type=Engine has no operation " + action);
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    return INFO;
  }
}
