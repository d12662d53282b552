package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weakref.engine.Reclaimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Runs in a Surefire execution whose class path has no kotlin-stdlib (see core/pom.xml): proves
 * that Java users of the core API never load a Kotlin class.
 */
final class WeakRefJavaOnlyTest {

  @Test
  void kotlinIsAbsentFromThisRun_whenRunByTheJavaOnlyExecution() {
    // The other executions have Kotlin on the class path: there this test is skipped, not passed.
    assumeTrue(Boolean.getBoolean("weakref.javaOnly"), "only the java-without-kotlin execution");
    boolean kotlinPresent;
    try {
      Class.forName("kotlin.Unit");
      kotlinPresent = true;
    } catch (ClassNotFoundException e) {
      kotlinPresent = false;
    }
    assertEquals(false, kotlinPresent, "kotlin-stdlib is on the Java-only class path");
  }

  @Test
  void wholeJavaApi_worksWithoutKotlin() {
    List<String> events = new CopyOnWriteArrayList<>();
    Object o = new Object();
    WeakRef<Object> shared = WeakRef.of(o);
    assertSame(shared, WeakRef.of(o));
    WeakRef<Object> wr = new WeakRef<>(o, r -> events.add("callback"));
    assertEquals(2, Reclaimer.weakRefCount(o));
    assertEquals(List.of(wr, shared), Reclaimer.weakRefs(o));
    assertSame(o, wr.get());
    wr.hashCode();
    wr.toString();
    assertThrows(IllegalArgumentException.class, () -> new WeakRef<>(1));
    o = null;
    Reclaimer.collect();
    assertNull(wr.get());
    assertEquals(List.of("callback"), events);
    Reclaimer.stats();
  }
}
