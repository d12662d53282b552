package dev.weakref.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.ChildJvm;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * When the engine thread ends for want of work, the {@link HandleTable} gives back the buckets a
 * burst of refs grew it to at once ({@link HandleTable#trim}, called by the loop as the thread
 * ends), instead of keeping them until {@link HandleTable#SHRINK_AFTER_SWEEPS} sweeps that will not
 * come before something is tracked again. End to end: the table grows with 20,000 refs, keeps its
 * size through the sweeps of the collect() in which their referents die, and is back to at most
 * twice its minimum once the thread has ended. {@code trim()} was tested only by calling it
 * directly ({@code HandleTableTest}). In a child JVM: see {@link EngineTrimOnEndChild}.
 */
final class EngineTrimOnEndTest {
  private static final Pattern LINE = Pattern.compile("capacity (\\d+) at start, (\\d+) with "
      + EngineTrimOnEndChild.REFS + " refs, (\\d+) once their referents died, (\\d+) once the"
      + " engine thread ended; reclaimed (\\d+) of \\d+ in \\d+ collect\\(\\), table empty"
      + " (true|false), engine thread ended (true|false) after \\d+ System\\.gc\\(\\)");

  /** 64 segments of 16 buckets. */
  private static final int MIN_CAPACITY = 64 * 16;

  @Test
  void theTableGivesItsBucketsBack_whenTheEngineThreadEndsForWantOfWork() throws Exception {
    ChildJvm.Result r = ChildJvm.run(EngineTrimOnEndChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(1, r.stdout().size(), () -> r.stdout() + "\n" + r.stderr());
    String line = r.stdout().get(0);
    Matcher m = LINE.matcher(line);
    assertTrue(m.matches(), () -> "unexpected output: " + line + "\n" + r.stderr());
    int atStart = Integer.parseInt(m.group(1));
    int withRefs = Integer.parseInt(m.group(2));
    int referentsDied = Integer.parseInt(m.group(3));
    int ended = Integer.parseInt(m.group(4));
    assertEquals(MIN_CAPACITY, atStart, line);
    assertEquals(EngineTrimOnEndChild.REFS, Integer.parseInt(m.group(5)), line);
    assertEquals("true", m.group(6), () -> "the table kept nodes: " + line);
    assertEquals("true", m.group(7), () -> "the engine thread did not end: " + line);
    // Not vacuous: the refs grew the table, and the collect()'s sweeps did not shrink it back.
    assertTrue(withRefs >= 8 * MIN_CAPACITY, () -> "the table did not grow: " + line);
    assertEquals(withRefs, referentsDied, () -> "the sweeps shrank the table already: " + line);
    assertTrue(ended <= 2 * MIN_CAPACITY, () -> "the buckets were not given back: " + line);
  }
}
