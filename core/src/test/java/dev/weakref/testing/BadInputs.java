package dev.weakref.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.function.Executable;

/**
 * The rows and the row runner of the bad-input matrices (core's Java API, java-interop's statics):
 * each row is an entry point given a bad input, which must throw an exception of the documented
 * type whose message names the problem, and change nothing.
 */
public final class BadInputs {
  private BadInputs() {}

  /**
   * One row: an entry point given a bad input.
   *
   * @param input what is bad about the input: the test's name
   * @param type the exception the call must throw
   * @param mentions what its message must contain, each
   * @param call the call
   */
  public record Bad(String input, Class<? extends Throwable> type, List<String> mentions,
      Executable call) {}

  /**
   * Returns a row.
   *
   * @param mentions what the message must contain, separated by {@code |}
   */
  public static Bad bad(String input, Class<? extends Throwable> type, String mentions,
      Executable call) {
    return new Bad(input, type, Arrays.asList(mentions.split("\\|")), call);
  }

  /**
   * Runs each row as a test of its own, under one container per entry point: the call throws the
   * row's exception, whose message names what the row says, and {@code state} (a value with
   * {@code equals}: the refs counted, the containers' contents, the engine's stats) is the same
   * before and after.
   *
   * @param name the entry point
   * @param state what a refused call must leave as it was
   */
  public static DynamicNode entryPoint(String name, Supplier<?> state, Bad... rows) {
    return dynamicContainer(name, Stream.of(rows).map(row -> dynamicTest(row.input(), () -> {
      Object before = state.get();
      Throwable t = assertThrows(row.type(), row.call(), name + " given " + row.input());
      String message = String.valueOf(t.getMessage());
      for (String m : row.mentions()) {
        assertTrue(message.contains(m), () -> "the message should name '" + m + "': " + message);
      }
      assertEquals(before, state.get(), "a refused call changed something");
    })));
  }
}
