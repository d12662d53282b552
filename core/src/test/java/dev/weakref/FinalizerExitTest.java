package dev.weakref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.internal.FinalizerExitHook;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exit run of finalizers, observed from child JVMs started with this test's class path. */
final class FinalizerExitTest {

  @Test
  void exit_runsLiveAtExitFinalizersNewestFirst_onceEach_andNothingAfterTheHook()
      throws Exception {
    ChildJvm.Result r = ChildJvm.run(FinalizerExitChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(List.of(
        "call f4",
        "main end",
        "exit f6",
        "exit f7 created at exit",
        "exit f5 throws",
        "unraisable: f5 failed",
        "exit f1",
        "after hook: f2() -> null, alive false",
        "after hook: late() -> null"), r.stdout(), "stderr: " + r.stderr());
  }

  @Test
  void exit_fromAnotherThreadWhileReclaiming_runsEachFinalizerExactlyOnce() throws Exception {
    ChildJvm.Result r = ChildJvm.run(FinalizerExitRaceChild.class);
    assertEquals(0, r.exitCode(), r.stderr());
    int n = FinalizerExitRaceChild.N;
    assertEquals("registered " + n, r.stdout().get(0));
    int[] runs = new int[n];
    Map<String, Integer> byThread = new HashMap<>();
    for (String line : r.stdout().subList(1, r.stdout().size())) {
      String[] parts = line.split(" ");
      assertEquals("ran", parts[0], line);
      runs[Integer.parseInt(parts[1])]++;
      byThread.merge(parts[3], 1, Integer::sum);
    }
    for (int i = 0; i < n; i++) {
      assertEquals(1, runs[i], "finalizer " + i + " ran " + runs[i] + " times; by thread " + byThread);
    }
    // At least an eighth ran on reclamation before the exit; the half kept alive ran at exit.
    assertTrue(byThread.getOrDefault("weakref-reclaimer", 0) >= n / 8, byThread.toString());
    assertTrue(byThread.getOrDefault("weakref-atexit", 0) >= n / 2, byThread.toString());
  }

  @Test
  void exit_calledByAFinalizerRunByCall_doesNotWaitForItsOwnThread() throws Exception {
    assertExitDoesNotWaitForTheExitingFunction(
        FinalizerExitInFunctionChild.ByCall.class, "exit from call on main");
  }

  @Test
  void exit_calledByAFinalizerRunAtReclaim_doesNotWaitForItsOwnThread() throws Exception {
    assertExitDoesNotWaitForTheExitingFunction(
        FinalizerExitInFunctionChild.AtReclaim.class, "exit from reclaim on weakref-reclaimer");
  }

  /**
   * With a listener, the exit hook also waits (at most two seconds) for the engine to deliver the
   * at-exit finalizer's event: it must not when the engine thread is the one exiting (it used to
   * wait all of it, so a hook that took less than those two seconds did not).
   */
  @Test
  void exit_calledByAFinalizerRunAtReclaimWhileListening_doesNotWaitForEventDelivery()
      throws Exception {
    assertExitDoesNotWaitForTheExitingFunction(FinalizerExitInFunctionChild.ListeningAtReclaim.class,
        "exit from reclaim on weakref-reclaimer", 2000); // ExitDelivery.EXIT_WAIT_NANOS
  }

  /**
   * The bound is the whole in-flight wait, which the hook used to wait out: no less, so that a slow
   * exit on a loaded machine is not taken for that wait (whose end the hook also reports).
   */
  private static void assertExitDoesNotWaitForTheExitingFunction(Class<?> child, String first)
      throws Exception {
    assertExitDoesNotWaitForTheExitingFunction(
        child, first, FinalizerExitHook.EXIT_WAIT_SECONDS * 1000L);
  }

  /**
   * The function that called {@code System.exit} is running (it never returns), so the exit hook
   * must not wait for it: the hook runs the other live finalizer and ends well within the in-flight
   * wait of {@link FinalizerExitHook#EXIT_WAIT_SECONDS} (it used to wait all of it).
   */
  private static void assertExitDoesNotWaitForTheExitingFunction(
      Class<?> child, String first, long maxMs) throws Exception {
    ChildJvm.Result r = ChildJvm.run(child);
    assertEquals(3, r.exitCode(), r.stderr());
    List<String> out = r.stdout();
    assertEquals(4, out.size(), out + " stderr: " + r.stderr());
    assertEquals(first, out.get(0));
    assertEquals("at exit: other finalizer", out.get(1));
    assertEquals("exit hook done, gave up waiting: false", out.get(2));
    long ms = Long.parseLong(out.get(3).substring("exit hook took ms ".length()));
    assertTrue(ms < maxMs, "exit hook took " + ms + " ms");
  }
}
