package dev.weakref.internal.engine;

import dev.weakref.WeakRef;
import dev.weakref.engine.Reclaimer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM of {@link EngineTrimOnEndTest}: {@link #REFS} refs grow the {@link HandleTable} well
 * above its minimum; their referents die (one {@code collect()}: the engine takes their nodes out,
 * and the table is empty), then the refs are dropped too; nothing holds a token any more, so the
 * engine thread ends, and as it ends it {@linkplain HandleTable#trim trims} the table. Prints one
 * line: the table's capacity at start, with the refs, once their referents died, and once the
 * thread ended, with the facts that make those figures mean something.
 *
 * <p>The capacity once the referents died is still the grown one: the sweeps of that
 * {@code collect()}'s collections (the first sees the peak, the others count towards
 * {@link HandleTable#SHRINK_AFTER_SWEEPS}) have not shrunk it, so a shrink seen after the thread's
 * end is {@code trim()}'s, not theirs. Hence one {@code collect()} as a rule (more only if a
 * referent outlived it, which makes that figure tell), and afterwards no {@code collect()} at all:
 * it takes a token itself, and so would keep the engine thread it waits for. The collection that
 * clears the engine's generation is forced with {@code System.gc()}, which takes no token, between
 * bounded {@code join}s of the engine thread (explicit collections are not disabled in the child:
 * {@code collect()} above would have thrown at once).
 *
 * <p>Only a JVM of its own may do this: in the tests' JVM other tests' refs, containers and
 * listeners keep the engine thread, and earlier bursts the table's peak.
 */
public final class EngineTrimOnEndChild {
  private EngineTrimOnEndChild() {}

  /** How many refs are tracked: some 300 a segment, so each segment's table grows to 512. */
  static final int REFS = 20_000;

  public static void main(String[] args) throws Exception {
    int atStart = Engine.TABLE.capacity();
    List<Object> referents = new ArrayList<>(REFS);
    List<WeakRef<Object>> refs = new ArrayList<>(REFS);
    for (int i = 0; i < REFS; i++) {
      Object o = new Object();
      referents.add(o);
      refs.add(new WeakRef<>(o)); // the first one starts the engine thread
    }
    int withRefs = Engine.TABLE.capacity();
    referents.clear(); // the referents die; the refs live, so the engine takes their nodes out
    int collects = 0;
    while (collects < 10 && (collects == 0 || alive(refs) > 0)) {
      Reclaimer.collect();
      collects++;
    }
    int reclaimed = REFS - alive(refs);
    int referentsDied = Engine.TABLE.capacity();
    boolean empty = Engine.TABLE.isEmpty();
    refs.clear(); // the refs are dropped too: nothing holds the engine's token now
    Thread engine = Engine.engineThread();
    int gcs = 0;
    for (int i = 0; i < 15 && engine != null && engine.isAlive(); i++) {
      System.gc(); // clears the generation once the engine has unpinned its token; takes no token
      gcs++;
      engine.join(1000);
      engine = Engine.engineThread(); // a hand-over may have started a fresh one meanwhile
    }
    boolean ended = engine != null && !engine.isAlive();
    System.out.println("capacity " + atStart + " at start, " + withRefs + " with " + REFS
        + " refs, " + referentsDied + " once their referents died, " + Engine.TABLE.capacity()
        + " once the engine thread ended; reclaimed " + reclaimed + " of " + REFS + " in "
        + collects + " collect(), table empty " + empty + ", engine thread ended " + ended
        + " after " + gcs + " System.gc()");
  }

  private static int alive(List<WeakRef<Object>> refs) {
    int alive = 0;
    for (WeakRef<Object> r : refs) {
      if (r.get() != null) {
        alive++;
      }
    }
    return alive;
  }
}
