package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weakref.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * References left on the engine's queue as its thread ends for want of work (they keep no token:
 * a container's entry removed while pending, a closed ReclaimQueue's) are processed before it
 * ends. Before, the thread ended right after the batch that took its cleared generation, and what
 * lay under it (here 745 of 1,000 references, below a full batch) stayed on the queue, holding its
 * memory, until the engine's next start. In a child JVM: see {@link EngineEndDrainChild}.
 */
final class EngineEndDrainTest {
  @Test
  void whatIsLeftOnTheQueue_isProcessedBeforeTheEngineThreadEnds() throws Exception {
    ChildJvm.Result r = ChildJvm.run(EngineEndDrainChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of("engine thread ended: true, processed " + EngineEndDrainChild.LEFT + " of "
        + EngineEndDrainChild.LEFT), r.stdout(), r.stderr());
  }
}
