package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A weak proxy as the first handle a program tracks (its handler is built outside the package). */
class ProxyFirstTest {
  @Test
  void aProxyMadeBeforeAnyWeakRef_isCountedAndFires() throws Exception {
    ChildJvm.Result r = ChildJvm.run(ProxyFirstChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of("count 2", "get alive", "fired 1", "dead", "shared true"), r.stdout(),
        "stderr: " + r.stderr());
  }
}
