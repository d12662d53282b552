package dev.weakref.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weakref.Finalizer;
import dev.weakref.ReclaimRegistration;
import dev.weakref.WeakKeyDictionary;
import dev.weakref.WeakMethod;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import dev.weakref.WeakSet;
import dev.weakref.WeakValueDictionary;
import dev.weakref.engine.ReclaimListener;
import dev.weakref.engine.Reclaimer;
import dev.weakref.engine.UnraisableHook;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults in user code run by the engine (issue 17, item 5): every kind of user code the engine runs
 * (a ref, proxy or {@code WeakMethod} callback, a finalizer, a container's {@code onReclaim}
 * listener, an engine listener) crossed with every fault (throwing an exception, a real
 * {@link StackOverflowError}, an {@link OutOfMemoryError}, making new refs and finalizers, calling
 * {@code collect()}, using and clearing the containers being reclaimed from). In each case the faulty
 * code is one of a batch of reclaims: every other callback, finalizer and listener of that batch
 * runs once (counted per id), the fault reaches the unraisable hook with its source, the containers
 * keep their invariants ({@link ContainerInvariants}) and later registrations still fire.
 */
final class UserFaultsTest {

  /** Victims per batch, besides the one whose user code is faulty. */
  private static final int N = 16;

  private record Report(Throwable error, Object source) {}

  private final List<Report> reports = Collections.synchronizedList(new ArrayList<>());
  private UnraisableHook previousHook;

  @BeforeAll
  static void settle() {
    Reclaimer.collect(); // what earlier test classes left behind reports to their own hook
  }

  @BeforeEach
  void installHook() {
    previousHook = Reclaimer.setUnraisableHook((error, source) -> reports.add(new Report(error, source)));
  }

  @AfterEach
  void restoreHook() {
    Reclaimer.setUnraisableHook(previousHook);
  }

  /** The referents. Implements an interface, so proxies can be made of it. */
  static final class Victim implements Runnable {
    final int id;

    Victim(int id) {
      this.id = id;
    }

    @Override
    public void run() {}

    @Override
    public String toString() {
      return "Victim#" + id;
    }
  }

  /** What a fault needs: the containers, the objects that stay, and what the fault itself made. */
  static final class World {
    final WeakKeyDictionary<Object, Object> keyDict = new WeakKeyDictionary<>();
    final WeakValueDictionary<Object, Object> valueDict = new WeakValueDictionary<>();
    final WeakSet<Object> set = new WeakSet<>();
    final List<Object> live = new ArrayList<>();
    /** Added by a fault that touches the containers, held for the rest of the test. */
    final Object added = new Victim(-1);
    /** A long-lived object that a fault gives a new ref. */
    final Object anchor = new Victim(-2);
    final List<Object> keep = Collections.synchronizedList(new ArrayList<>());
    final List<ReclaimRegistration> registrations = new ArrayList<>();
    final AtomicIntegerArray refFired = new AtomicIntegerArray(N);
    final AtomicIntegerArray proxyFired = new AtomicIntegerArray(N);
    final AtomicIntegerArray methodFired = new AtomicIntegerArray(N);
    final AtomicIntegerArray finalized = new AtomicIntegerArray(N);
    final AtomicInteger keyDictNotified = new AtomicInteger();
    final AtomicInteger valueDictNotified = new AtomicInteger();
    final AtomicInteger setNotified = new AtomicInteger();
    final AtomicInteger freshFired = new AtomicInteger();
    final AtomicInteger freshFinalized = new AtomicInteger();
    final AtomicInteger faultsDone = new AtomicInteger();
    final AtomicInteger faultsRan = new AtomicInteger();
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());

    World() {
      for (int i = 0; i < 4; i++) {
        Victim v = new Victim(100 + i);
        live.add(v);
        keyDict.put(v, "live" + i);
        valueDict.put("live" + i, v);
        set.add(v);
      }
    }

    /** Makes a ref and a finalizer to a fresh object dropped at once, and a ref to the anchor. */
    void registerFresh() {
      Object fresh = new Object();
      keep.add(new WeakRef<>(fresh, r -> freshFired.incrementAndGet()));
      Finalizer.of(new Object(), freshFinalized::incrementAndGet);
      keep.add(new WeakRef<>(anchor, r -> { }));
    }

    /** Reads, iterates, puts and removes in each container, clearing it first if asked. */
    void touch(boolean clear) {
      Object first = live.get(0);
      // Another site's fault may have removed it already (or cleared all): if there, it is right.
      Object v = keyDict.get(first);
      Object k = valueDict.get("live0");
      if ((v != null && !"live0".equals(v)) || (k != null && k != first)) {
        problems.add("a live entry read wrong from user code: " + v + ", " + k);
      }
      for (Map.Entry<Object, Object> e : keyDict.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          problems.add("null in keyDict: " + e);
        }
      }
      for (Map.Entry<Object, Object> e : valueDict.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          problems.add("null in valueDict: " + e);
        }
      }
      for (Object o : set) {
        if (o == null) {
          problems.add("null in set");
        }
      }
      if (clear) {
        keyDict.clear();
        valueDict.clear();
        set.clear();
      } else {
        keyDict.remove(first);
        valueDict.remove("live0");
        set.remove(first);
      }
      keyDict.put(added, "added");
      valueDict.put("added", added);
      set.add(added);
    }

    /** What each container must hold once the batch is reclaimed, given the fault. */
    Map<Object, Object> expectedKeyDict(Fault fault) {
      Map<Object, Object> m = new HashMap<>();
      if (fault != Fault.CLEARS_CONTAINERS) {
        for (int i = 0; i < live.size(); i++) {
          m.put(live.get(i), "live" + i);
        }
      }
      if (fault.touches()) {
        m.remove(live.get(0));
        m.put(added, "added");
      }
      return m;
    }

    Map<Object, Object> expectedValueDict(Fault fault) {
      Map<Object, Object> m = new HashMap<>();
      if (fault != Fault.CLEARS_CONTAINERS) {
        for (int i = 0; i < live.size(); i++) {
          m.put("live" + i, live.get(i));
        }
      }
      if (fault.touches()) {
        m.remove("live0");
        m.put("added", added);
      }
      return m;
    }

    Set<Object> expectedSet(Fault fault) {
      return new HashSet<>(expectedKeyDict(fault).keySet());
    }
  }

  /** What the faulty user code does (once: later calls of the same code do nothing). */
  enum Fault {
    THROWS_RUNTIME_EXCEPTION(IllegalStateException.class) {
      @Override
      void inject(World w) {
        throw new IllegalStateException("injected fault");
      }
    },
    STACK_OVERFLOW(StackOverflowError.class) {
      @Override
      void inject(World w) {
        recurse(0);
      }
    },
    OUT_OF_MEMORY(OutOfMemoryError.class) {
      @Override
      void inject(World w) {
        throw new OutOfMemoryError("injected by the callback");
      }
    },
    CREATES_REFS_AND_FINALIZERS(null) {
      @Override
      void inject(World w) {
        w.registerFresh();
      }
    },
    CALLS_COLLECT(null) {
      @Override
      void inject(World w) {
        Reclaimer.collect();
      }
    },
    TOUCHES_CONTAINERS(null) {
      @Override
      void inject(World w) {
        w.touch(false);
      }
    },
    CLEARS_CONTAINERS(null) {
      @Override
      void inject(World w) {
        w.touch(true);
      }
    };

    /** What the unraisable hook must receive, or {@code null} for nothing. */
    final Class<? extends Throwable> reported;

    Fault(Class<? extends Throwable> reported) {
      this.reported = reported;
    }

    abstract void inject(World w);

    boolean touches() {
      return this == TOUCHES_CONTAINERS || this == CLEARS_CONTAINERS;
    }

    /** Runs the fault the first time only (per site); counts it run, and done if it returned. */
    Runnable once(World w) {
      AtomicBoolean ran = new AtomicBoolean();
      return () -> {
        if (ran.compareAndSet(false, true)) {
          w.faultsRan.incrementAndGet();
          inject(w);
          w.faultsDone.incrementAndGet();
        }
      };
    }
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1; // not a tail call: a real overflow
  }

  /** Where the faulty code is attached; returns the source the unraisable hook must be told. */
  enum Site {
    REF_CALLBACK((w, bad, fault) ->
        keep(w, (Consumer<WeakRef<Victim>>) r -> fault.run(), cb -> new WeakRef<>(bad, cb))),
    PROXY_CALLBACK((w, bad, fault) ->
        keep(w, (Consumer<Runnable>) p -> fault.run(), cb -> WeakProxy.of(bad, Runnable.class, cb))),
    WEAK_METHOD_CALLBACK((w, bad, fault) -> {
      Function<Victim, Runnable> binder = v -> v::run;
      return keep(w, (Consumer<WeakMethod<Runnable>>) m -> fault.run(),
          cb -> WeakMethod.of(bad, binder, cb));
    }),
    FINALIZER((w, bad, fault) -> Finalizer.of(bad, fault)),
    KEY_DICT_LISTENER((w, bad, fault) ->
        listen(w, (Consumer<Object>) value -> fault.run(), w.keyDict::onReclaim)),
    VALUE_DICT_LISTENER((w, bad, fault) ->
        listen(w, (Consumer<Object>) key -> fault.run(), w.valueDict::onReclaim)),
    SET_LISTENER((w, bad, fault) ->
        listen(w, (IntConsumer) count -> fault.run(), w.set::onReclaim)),
    ENGINE_LISTENER((w, bad, fault) ->
        listen(w, (ReclaimListener) event -> fault.run(), Reclaimer::addListener));

    /** Attaches {@code fault} to {@code bad}; returns the source the unraisable hook must be told. */
    interface Attach {
      Object attach(World w, Victim bad, Runnable fault);
    }

    private final Attach attach;

    Site(Attach attach) {
      this.attach = attach;
    }

    Object attach(World w, Victim bad, Runnable fault) {
      return attach.attach(w, bad, fault);
    }

    /** Keeps what {@code make} makes with the callback {@code cb}; returns {@code cb}. */
    private static <C> C keep(World w, C cb, Function<C, Object> make) {
      w.keep.add(make.apply(cb));
      return cb;
    }

    /** Registers the listener {@code l} with {@code on}, kept in the world; returns {@code l}. */
    private static <L> L listen(World w, L l, Function<L, ReclaimRegistration> on) {
      w.registrations.add(on.apply(l));
      return l;
    }
  }

  /**
   * Registers the batch: N victims, each with a counting ref, proxy and {@code WeakMethod}
   * callback, a counting finalizer and an entry in each container, plus one victim with faulty user
   * code at every site. Nothing of them stays on this frame. Returns the faulty objects.
   */
  private static List<Object> registerBatch(World w, Fault fault) {
    for (int i = 0; i < N; i++) {
      Victim v = new Victim(i);
      int id = i;
      w.keep.add(new WeakRef<>(v, r -> w.refFired.incrementAndGet(id)));
      w.keep.add(WeakProxy.of(v, Runnable.class, p -> w.proxyFired.incrementAndGet(id)));
      Function<Victim, Runnable> binder = x -> x::run;
      w.keep.add(WeakMethod.of(v, binder, m -> w.methodFired.incrementAndGet(id)));
      Finalizer.of(v, () -> w.finalized.incrementAndGet(id));
      w.keyDict.put(v, "v" + i);
      w.valueDict.put("v" + i, v);
      w.set.add(v);
    }
    Victim bad = new Victim(N);
    w.keyDict.put(bad, "bad");
    w.valueDict.put("bad", bad);
    w.set.add(bad);
    List<Object> sources = new ArrayList<>();
    for (Site site : Site.values()) {
      sources.add(site.attach(w, bad, fault.once(w)));
    }
    return sources;
  }

  /**
   * One batch per fault, with the fault at every site at once (one collection instead of one per
   * site): each fault is told to the hook with its own source.
   */
  @ParameterizedTest(name = "{0} at every site")
  @EnumSource(Fault.class)
  void faultInUserCode_losesNothingAndKeepsContainersConsistent(Fault fault) {
    int sites = Site.values().length;
    World w = new World();
    w.registrations.add(w.keyDict.onReclaim(v -> w.keyDictNotified.incrementAndGet()));
    w.registrations.add(w.valueDict.onReclaim(k -> w.valueDictNotified.incrementAndGet()));
    w.registrations.add(w.set.onReclaim(w.setNotified::addAndGet));
    long failuresBefore = Reclaimer.stats().callbackFailures();
    try {
      List<Object> sources = registerBatch(w, fault);

      Reclaimer.collect();

      if (fault == Fault.CLEARS_CONTAINERS) {
        // A container cleared before its entries were reclaimed has nothing to tell its listener:
        // the three container listeners may never run. The other five sites always do.
        assertTrue(w.faultsRan.get() >= sites - 3, () -> "faulty code that ran: " + w.faultsRan);
        sites = w.faultsRan.get();
      } else {
        assertEquals(sites, w.faultsRan.get(), "faulty code that ran, one per site");
      }
      for (int i = 0; i < N; i++) {
        assertEquals(1, w.refFired.get(i), "ref callback of victim " + i);
        assertEquals(1, w.proxyFired.get(i), "proxy callback of victim " + i);
        assertEquals(1, w.methodFired.get(i), "WeakMethod callback of victim " + i);
        assertEquals(1, w.finalized.get(i), "finalizer of victim " + i);
      }
      if (fault != Fault.CLEARS_CONTAINERS) { // a cleared entry is not reclaimed: no notification
        assertEquals(N + 1, w.keyDictNotified.get(), "WeakKeyDictionary notifications");
        assertEquals(N + 1, w.valueDictNotified.get(), "WeakValueDictionary notifications");
        assertEquals(N + 1, w.setNotified.get(), "WeakSet reclaimed count");
      }
      if (fault.reported == null) {
        assertEquals(List.of(), reports, "nothing to report");
        assertEquals(sites, w.faultsDone.get(), "faulty code that finished");
      } else {
        assertEquals(sites, reports.size(), () -> "one report per site: " + reports);
        Set<Object> reported = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Report r : reports) {
          assertInstanceOf(fault.reported, r.error());
          reported.add(r.source());
        }
        Set<Object> expected = Collections.newSetFromMap(new IdentityHashMap<>());
        expected.addAll(sources);
        assertEquals(expected, reported, "the hook names each faulty object as the source");
      }
      assertEquals(failuresBefore + (fault.reported == null ? 0 : sites),
          Reclaimer.stats().callbackFailures(), "stats().callbackFailures()");
      assertEquals(List.of(), w.problems, "what the user code saw");

      checkContainers(w, fault);
      assertTrue(Reclaimer.isAlive(), "the engine thread");
      assertLaterRegistrationsFire(w); // collects again
      if (fault == Fault.CREATES_REFS_AND_FINALIZERS) { // what it made may be cleared only by then
        assertEquals(sites, w.freshFired.get(), "refs made by the faulty code fired");
        assertEquals(sites, w.freshFinalized.get(), "finalizers made by the faulty code ran");
        assertEquals(sites, Reclaimer.weakRefCount(w.anchor), "refs made to a live object count");
      }
      checkContainers(w, fault);
    } finally {
      w.registrations.forEach(ReclaimRegistration::close);
    }
  }

  private static void checkContainers(World w, Fault fault) {
    assertEquals(w.expectedKeyDict(fault), toMap(ContainerInvariants.check(w.keyDict)));
    assertEquals(w.expectedValueDict(fault), toMap(ContainerInvariants.check(w.valueDict)));
    assertEquals(w.expectedSet(fault), new HashSet<>(ContainerInvariants.check(w.set)));
  }

  private static Map<Object, Object> toMap(List<Map.Entry<Object, Object>> entries) {
    Map<Object, Object> m = new HashMap<>();
    entries.forEach(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  /** After the fault, a new ref, finalizer and container entry are reclaimed as usual. */
  private static void assertLaterRegistrationsFire(World w) {
    AtomicInteger fired = new AtomicInteger();
    AtomicInteger finalized = new AtomicInteger();
    int sizeBefore = w.keyDict.size();
    Object keep = registerLater(w, fired, finalized);
    Reclaimer.collect();
    assertEquals(1, fired.get(), "a ref made after the fault fired");
    assertEquals(1, finalized.get(), "a finalizer made after the fault ran");
    assertEquals(sizeBefore, w.keyDict.size(), "an entry added after the fault was reclaimed");
    assertNull(((WeakRef<?>) keep).get());
  }

  private static Object registerLater(World w, AtomicInteger fired, AtomicInteger finalized) {
    Victim later = new Victim(-3);
    WeakRef<Victim> r = new WeakRef<>(later, x -> fired.incrementAndGet());
    Finalizer.of(later, finalized::incrementAndGet);
    w.keyDict.put(later, "later");
    return r;
  }

  /**
   * A finalizer that stores its argument (the dying object's data) somewhere, and a ref callback
   * that stores its ref: the data lives on, its own ref, container entries and count stay as they
   * were, nothing runs twice, and once the stash lets go the data is reclaimed as usual.
   */
  @Test
  void finalizerThatStoresItsArgument_resurrectsTheDataConsistently() {
    List<Object> stash = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger finalized = new AtomicInteger();
    AtomicInteger dataFired = new AtomicInteger();
    WeakKeyDictionary<Object, Object> byData = new WeakKeyDictionary<>();
    WeakSet<Object> dataSet = new WeakSet<>();
    WeakRef<Object> dataRef = registerResurrecting(stash, finalized, dataFired, byData, dataSet);

    Reclaimer.collect();

    assertEquals(1, finalized.get(), "the finalizer ran once");
    assertEquals(2, stash.size(), () -> "the data and the owner's ref were stored: " + stash);
    // in either order: a finalizer runs in no set order relative to the object's ref callbacks
    Object data = stash.get(stash.get(0) instanceof WeakRef ? 1 : 0);
    WeakRef<?> storedRef = (WeakRef<?>) stash.get(stash.get(0) instanceof WeakRef ? 0 : 1);
    assertNull(storedRef.get(), "a stored ref stays dead");
    assertTrue(storedRef.toString().endsWith("; dead>"), storedRef::toString);
    assertSame(data, dataRef.get(), "the data's own ref still reaches it");
    assertEquals(0, dataFired.get(), "the data's ref did not fire");
    assertEquals(1, Reclaimer.weakRefCount(data));
    assertEquals(Map.of(data, "data"), toMap(ContainerInvariants.check(byData)));
    assertEquals(List.of(data), ContainerInvariants.check(dataSet));

    stash.clear();
    data = null;
    Reclaimer.collect();

    assertEquals(1, dataFired.get(), "the data's ref fired once the stash let go");
    assertEquals(1, finalized.get(), "the finalizer did not run again");
    assertNull(storedRef.get());
    assertEquals(List.of(), ContainerInvariants.check(byData));
    assertEquals(List.of(), ContainerInvariants.check(dataSet));
    assertEquals(List.of(), reports);
  }

  /** An object that owns some data. */
  static final class Owner {
    final Object data = new Victim(1);
  }

  private static WeakRef<Object> registerResurrecting(List<Object> stash, AtomicInteger finalized,
      AtomicInteger dataFired, WeakKeyDictionary<Object, Object> byData, WeakSet<Object> dataSet) {
    Owner owner = new Owner();
    Finalizer.of(owner, args -> {
      stash.add(args[0]);
      finalized.incrementAndGet();
      return null;
    }, owner.data);
    WeakRef<Owner> ownerRef = new WeakRef<>(owner, stash::add);
    byData.put(owner.data, "data");
    dataSet.add(owner.data);
    KEEP.add(ownerRef);
    return new WeakRef<>(owner.data, r -> dataFired.incrementAndGet());
  }

  private static final List<Object> KEEP = Collections.synchronizedList(new ArrayList<>());
}
