package dev.weakref.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The container statics of {@link Weakref}, from Java without Kotlin on the class path. */
final class WeakrefContainersTest {

  @Test
  void containerStatics_returnTheConcreteTypes_emptyOrCopied() {
    Object k = new Object();
    Object v = new Object();
    WeakKeyDictionary<Object, String> wkd = Weakref.weakKeyDictionary();
    wkd.put(k, "v");
    assertEquals("v", Weakref.weakKeyDictionary(wkd).get(k));
    assertFalse(wkd.isIdentity());
    WeakValueDictionary<String, Object> wvd = Weakref.weakValueDictionary();
    assertEquals(0, wvd.size());
    assertSame(v, Weakref.weakValueDictionary(Map.of("k", v)).get("k"));
    WeakSet<Object> ws = Weakref.weakSet();
    assertEquals(0, ws.size());
    assertEquals(1, Weakref.weakSet(List.of(k)).size());
    Weakref.collect();
    assertEquals(1, wkd.size());
  }
}
