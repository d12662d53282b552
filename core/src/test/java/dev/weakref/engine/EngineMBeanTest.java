package dev.weakref.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.WeakRef;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The engine's bean, {@code dev.weakref:type=Engine}, read as an operator's tool reads it: by
 * attribute name through the platform MBean server, whose figures are those of
 * {@link Reclaimer#stats()}.
 */
final class EngineMBeanTest {

  @Test
  void platformMBeanServer_hasTheEngineBean_whoseAttributesAreTheStats() throws Exception {
    List<Object> alive = new ArrayList<>();
    List<WeakRef<Object>> refs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Object referent = new Object();
      alive.add(referent);
      refs.add(new WeakRef<>(referent, r -> { }));
    }
    UnraisableHook old = Reclaimer.setUnraisableHook((error, source) -> { });
    try {
      dieWithAFailingCallback();
      // The engine registers the bean as its thread first starts, before its first batch: once
      // collect() returned, the bean is there.
      Reclaimer.collect();
    } finally {
      Reclaimer.setUnraisableHook(old);
    }

    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName("dev.weakref:type=Engine");
    assertTrue(server.isRegistered(name), "dev.weakref:type=Engine is not registered");
    MBeanInfo info = server.getMBeanInfo(name);
    assertEquals(List.of("RefsAlive", "ReferentsTracked", "CallbacksRun", "CallbackFailures",
        "Pending", "SlowCallbacks", "Alive"), Arrays.stream(info.getAttributes()).map(a -> a.getName()).toList());
    for (MBeanAttributeInfo a : info.getAttributes()) {
      assertTrue(a.isReadable() && !a.isWritable(), a.toString());
      assertFalse(a.getDescription().isEmpty(), a.toString());
    }
    assertEquals(Boolean.TRUE, server.getAttribute(name, "Alive"));

    // Other tests' garbage may still be reclaimed meanwhile: compare with stats() read before and
    // after the attributes, when both reads agree (nothing is left to reclaim, so they soon do).
    for (int attempt = 1; ; attempt++) {
      ReclaimStats before = Reclaimer.stats();
      ReclaimStats read = new ReclaimStats(
          (Long) server.getAttribute(name, "RefsAlive"),
          (Long) server.getAttribute(name, "ReferentsTracked"),
          (Long) server.getAttribute(name, "CallbacksRun"),
          (Long) server.getAttribute(name, "CallbackFailures"),
          (Long) server.getAttribute(name, "Pending"),
          (Long) server.getAttribute(name, "SlowCallbacks"));
      AttributeList all = server.getAttributes(name, new String[] {
          "RefsAlive", "ReferentsTracked", "CallbacksRun", "CallbackFailures", "Pending",
          "SlowCallbacks"});
      ReclaimStats readAtOnce = new ReclaimStats((Long) all.asList().get(0).getValue(),
          (Long) all.asList().get(1).getValue(), (Long) all.asList().get(2).getValue(),
          (Long) all.asList().get(3).getValue(), (Long) all.asList().get(4).getValue(),
          (Long) all.asList().get(5).getValue());
      ReclaimStats after = Reclaimer.stats();
      if (before.equals(after)) {
        assertEquals(after, read);
        assertEquals(after, readAtOnce);
        break;
      }
      assertTrue(attempt < 10, "stats() kept changing: " + before + " then " + after);
      Reclaimer.collect();
    }
    ReclaimStats stats = Reclaimer.stats();
    assertTrue(stats.refsAlive() >= refs.size(), stats.toString());
    assertTrue(stats.callbackFailures() >= 1, stats.toString());
    assertTrue(stats.callbacksRun() >= 1, stats.toString());
    assertEquals(5, alive.size()); // the referents stay reachable until here
  }

  private static void dieWithAFailingCallback() {
    KEPT.add(new WeakRef<>(new Object(), r -> {
      throw new IllegalStateException("counted as a failure");
    }));
  }

  private static final List<Object> KEPT = new ArrayList<>();
}
