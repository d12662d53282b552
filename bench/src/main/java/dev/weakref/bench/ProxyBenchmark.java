package dev.weakref.bench;

import dev.weakref.WeakMethod;
import dev.weakref.WeakProxy;
import dev.weakref.WeakRef;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Calls through weak proxies and weak methods against their strong peers.
 *
 * <ul>
 *   <li>{@code weakProxyCall} vs {@code plainProxyCall}: one interface call through a live weak proxy,
 *       and through a plain {@link Proxy} whose handler forwards to a strongly held target with
 *       {@code Method.invoke} (target: within 3x);
 *   <li>{@code weakMethodGetAndCall} vs {@code weakRefGetAndDirectCall}: {@code WeakMethod.get()}
 *       then a call of the bound function, and {@code WeakRef.get()} then the same method called
 *       directly (target: within 2x).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ProxyBenchmark {

  /** The interface called through the proxies. */
  public interface Adder {
    int add(int n);
  }

  /** The referent and target: a little state so the call cannot be folded away. */
  public static final class Accumulator implements Adder {
    int total;

    @Override
    public int add(int n) {
      total += n;
      return total;
    }
  }

  private static final Function<Accumulator, IntUnaryOperator> ADD = a -> a::add;

  private Accumulator target;
  private Adder weakProxy;
  private Adder plainProxy;
  private WeakMethod<IntUnaryOperator> weakMethod;
  private WeakRef<Accumulator> weakRef;
  private int arg = 1;

  @Setup
  public void setUp() {
    target = new Accumulator();
    weakProxy = WeakProxy.of(target, Adder.class);
    Accumulator strong = target;
    InvocationHandler forward = (proxy, method, args) -> {
      try {
        return method.invoke(strong, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    plainProxy = (Adder) Proxy.newProxyInstance(Adder.class.getClassLoader(),
        new Class<?>[] {Adder.class}, forward);
    weakMethod = WeakMethod.of(target, ADD);
    weakRef = new WeakRef<>(target);
  }

  @Benchmark
  public int weakProxyCall() {
    return weakProxy.add(arg);
  }

  @Benchmark
  public int plainProxyCall() {
    return plainProxy.add(arg);
  }

  @Benchmark
  public int weakMethodGetAndCall() {
    IntUnaryOperator f = weakMethod.get();
    return f == null ? -1 : f.applyAsInt(arg);
  }

  @Benchmark
  public int weakRefGetAndDirectCall() {
    Accumulator a = weakRef.get();
    return a == null ? -1 : a.add(arg);
  }
}
