package dev.weakref;

import com.google.common.collect.testing.ConcurrentMapTestSuiteBuilder;
import com.google.common.collect.testing.SetTestSuiteBuilder;
import com.google.common.collect.testing.TestStringMapGenerator;
import com.google.common.collect.testing.TestStringSetGenerator;
import com.google.common.collect.testing.features.CollectionFeature;
import com.google.common.collect.testing.features.CollectionSize;
import com.google.common.collect.testing.features.MapFeature;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import junit.framework.Test;
import junit.framework.TestSuite;

/**
 * The {@code java.util} contracts, checked by Guava's testlib: {@code ConcurrentMapTestSuiteBuilder}
 * for both dictionaries (and the identity key dictionary), {@code SetTestSuiteBuilder} for both sets,
 * with every feature that applies. Each one that does not apply is named below with its reason.
 *
 * <p>Public with a JUnit 3 {@code suite()} method, because that is how testlib suites run (through
 * the JUnit Vintage engine). The samples are string literals, interned and so strongly reachable for
 * the whole run: nothing is reclaimed under the tests' feet.
 *
 * <p>Features left out, and why:
 * <ul>
 *   <li>{@code ALLOWS_NULL_KEYS}, {@code ALLOWS_NULL_VALUES}, {@code ALLOWS_NULL_VALUES} queries:
 *       the containers refuse {@code null} (a {@code null} cannot be weakly referenced), as
 *       {@code ConcurrentHashMap} does; a {@code null} query throws {@code NullPointerException}.
 *   <li>{@code KNOWN_ORDER}: iteration order is the hash order of stripes and bins.
 *   <li>{@code FAILS_FAST_ON_CONCURRENT_MODIFICATION}: iterators are weakly consistent on purpose.
 *   <li>{@code SERIALIZABLE}: weak references cannot be serialized meaningfully (neither can
 *       {@code WeakHashMap}).
 *   <li>{@code RESTRICTS_KEYS}/{@code RESTRICTS_ELEMENTS}: value-based objects are refused, but
 *       testlib's samples are strings, which are accepted, so the feature has nothing to test.
 * </ul>
 * No individual test is suppressed.
 */
public final class ContainersConformanceTest {
  private ContainersConformanceTest() {}

  /** The tests that are suppressed, with the reason: none at present. */
  private static final List<Method> SUPPRESSED = List.of();

  /**
   * Returns the JUnit 3 suite of every conformance test.
   *
   * @return the suite
   */
  public static Test suite() {
    TestSuite suite = new TestSuite("weak containers: java.util contracts (Guava testlib)");
    suite.addTest(mapSuite("WeakKeyDictionary", WeakKeyDictionary::new));
    suite.addTest(mapSuite("WeakKeyDictionary.identity", WeakKeyDictionary::identity));
    suite.addTest(mapSuite("WeakValueDictionary", WeakValueDictionary::new));
    suite.addTest(setSuite("WeakSet", WeakSet::new));
    suite.addTest(setSuite("WeakSet.identity", WeakSet::identity));
    return suite;
  }

  private static Test mapSuite(String name, Supplier<ConcurrentMap<String, String>> factory) {
    return ConcurrentMapTestSuiteBuilder.using(new TestStringMapGenerator() {
          @Override
          protected Map<String, String> create(Map.Entry<String, String>[] entries) {
            ConcurrentMap<String, String> map = factory.get();
            for (Map.Entry<String, String> e : entries) {
              map.put(e.getKey(), e.getValue());
            }
            return map;
          }
        })
        .named(name)
        .withFeatures(
            MapFeature.GENERAL_PURPOSE,
            CollectionFeature.SUPPORTS_ITERATOR_REMOVE,
            CollectionSize.ANY)
        .suppressing(SUPPRESSED)
        .createTestSuite();
  }

  private static Test setSuite(String name, Supplier<Set<String>> factory) {
    return SetTestSuiteBuilder.using(new TestStringSetGenerator() {
          @Override
          protected Set<String> create(String[] elements) {
            Set<String> set = factory.get();
            set.addAll(Arrays.asList(elements));
            return set;
          }
        })
        .named(name)
        .withFeatures(
            CollectionFeature.GENERAL_PURPOSE,
            CollectionSize.ANY)
        .suppressing(SUPPRESSED)
        .createTestSuite();
  }

}
