package dev.weakref.bench.report;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Results of a non-JMH harness (reclaim throughput, retained bytes), written in the subset of JMH's
 * JSON format that {@link Report} reads, so that every figure goes through the same table.
 * Each trial plays the part of a fork.
 */
public final class HarnessResults {
  private final List<Map<String, Object>> benchmarks = new ArrayList<>();

  /**
   * Adds one measured implementation.
   *
   * @param benchmark a name shaped like JMH's: {@code pkg.Class.workload_implementation}
   * @param unit the unit; one ending in {@code /s} means higher is better, anything else lower
   * @param trials one value per trial
   */
  public void add(String benchmark, String unit, double... trials) {
    Map<String, Object> metric = new LinkedHashMap<>();
    metric.put("score", Report.median(trials));
    metric.put("scoreUnit", unit);
    List<List<Double>> raw = new ArrayList<>();
    for (double t : trials) {
      raw.add(List.of(t));
    }
    metric.put("rawData", raw);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("benchmark", benchmark);
    b.put("mode", "ss");
    b.put("threads", 1);
    b.put("forks", trials.length);
    b.put("primaryMetric", metric);
    benchmarks.add(b);
  }

  /**
   * Writes the results as JSON.
   *
   * @param file where to write
   * @throws IOException if it cannot be written
   */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(benchmarks),
        StandardCharsets.UTF_8);
  }
}
