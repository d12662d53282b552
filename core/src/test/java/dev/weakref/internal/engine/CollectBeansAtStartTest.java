package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weakref.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The management beans {@code collect()} reads to tell whole-heap collections apart (some 20 ms)
 * are read by the thread that registers the engine's MBean as the engine starts, not by the first
 * {@code collect()} inside its deadline. In a child JVM: in this one an earlier test's
 * {@code collect()} has read them already.
 */
final class CollectBeansAtStartTest {
  @Test
  void theMBeanThreadReadsTheBeansAsTheEngineStarts_beforeAnyCollect() throws Exception {
    ChildJvm.Result r = ChildJvm.run(CollectBeansAtStartChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of("processed true, beans read true"), r.stdout(), r.stderr());
  }
}
