package dev.weakref.bench.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result file into the ratio table, chart and machine-readable ratios of
 * {@code bench/README.md}, and compares two such ratio files for regressions.
 *
 * <pre>
 * java -cp benchmarks.jar dev.weakref.bench.report.Report --out DIR [--header TEXT] RESULT.json...
 * java -cp benchmarks.jar dev.weakref.bench.report.Report --compare OLD_ratios.json NEW_ratios.json
 * </pre>
 *
 * <p>Several result files (JMH's {@code -rf json}, or {@link HarnessResults} from the non-JMH
 * harnesses) are merged: the forks of the same benchmark in different files are pooled. Running
 * the whole suite several times with one fork each interleaves ours and the peers in time, so a
 * slow phase of a shared machine hits both.
 *
 * <p>Benchmark methods are named {@code <workload>_<implementation>}; a workload is the benchmark
 * class, the part before the underscore, the JMH parameters and the thread count. A parameter at its
 * {@link #BASELINE_PARAMS baseline value} is left out of the label, so a workload that gained a
 * parameter keeps the label (and the targets and {@code --compare} keys) it had before: the 90/10
 * map rows stay {@code Map [1t]}, the 50/50 ones are {@code Map readPercent=50 [1t]}. Within a workload,
 * implementations named in {@link Targets#isOurs} are ours and the rest are peers. Every score is the
 * <b>median over forks</b> of each fork's mean, so one noisy fork cannot decide a target.
 */
public final class Report {
  private Report() {}

  /**
   * Parameters whose value here is the workload's original one, left out of workload labels:
   * {@code MapBenchmark}'s {@code readPercent} was 90 before the 50/50 mix existed.
   */
  static final Map<String, String> BASELINE_PARAMS = Map.of("readPercent", "90");

  /** One benchmark row: a workload, an implementation, and its median score. */
  record Row(String workload, String impl, double median, double[] forkMeans, String unit,
      boolean higherIsBetter, int threads) {}

  /**
   * Entry point; see the class comment for the arguments.
   *
   * @param args the command line
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length >= 3 && args[0].equals("--compare")) {
      System.exit(compare(Path.of(args[1]), Path.of(args[2])) ? 0 : 3);
    }
    Path out = null;
    String header = "";
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--header" -> header = args[++i];
        default -> inputs.add(Path.of(args[i]));
      }
    }
    if (out == null || inputs.isEmpty()) {
      System.err.println("usage: Report --out DIR [--header TEXT] RESULT.json... | --compare OLD NEW");
      System.exit(2);
    }
    List<Row> rows = read(inputs);
    Files.createDirectories(out);
    List<Targets.Verdict> verdicts = Targets.judge(rows);
    Map<String, Double> ratios = ratios(rows);
    Files.writeString(out.resolve("results.md"), markdown(header, rows, verdicts),
        StandardCharsets.UTF_8);
    Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("header", header);
    json.put("ratios", ratios);
    List<Map<String, Object>> vs = new ArrayList<>();
    for (Targets.Verdict v : verdicts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target", v.target().label());
      m.put("ratio", v.ratio());
      m.put("met", v.met());
      vs.add(m);
    }
    json.put("targets", vs);
    Files.writeString(out.resolve("ratios.json"), gson.toJson(json), StandardCharsets.UTF_8);
    Chart.write(out.resolve("chart.png"), verdicts, ratios);
    System.out.println(Files.readString(out.resolve("results.md")));
  }

  static List<Row> read(List<Path> files) throws IOException {
    Map<String, Row> merged = new LinkedHashMap<>();
    for (Path file : files) {
      for (Row r : read(file)) {
        String key = r.workload() + "#" + r.impl();
        Row old = merged.get(key);
        if (old != null) {
          double[] forks = Arrays.copyOf(old.forkMeans(), old.forkMeans().length + r.forkMeans().length);
          System.arraycopy(r.forkMeans(), 0, forks, old.forkMeans().length, r.forkMeans().length);
          r = new Row(r.workload(), r.impl(), median(forks), forks, r.unit(), r.higherIsBetter(),
              r.threads());
        }
        merged.put(key, r);
      }
    }
    return new ArrayList<>(merged.values());
  }

  static List<Row> read(Path file) throws IOException {
    JsonArray all = JsonParser.parseString(Files.readString(file)).getAsJsonArray();
    List<Row> rows = new ArrayList<>();
    for (JsonElement e : all) {
      JsonObject b = e.getAsJsonObject();
      String fqn = b.get("benchmark").getAsString();
      int lastDot = fqn.lastIndexOf('.');
      // The class, nested classes included: dev.weakref.bench.MapBenchmark.TwoThreads -> Map.TwoThreads
      String cls = fqn.substring(0, lastDot).replace("dev.weakref.bench.", "").replace("Benchmark", "");
      String method = fqn.substring(lastDot + 1);
      int us = method.indexOf('_');
      String impl = us < 0 ? method : method.substring(us + 1);
      int threads = b.get("threads").getAsInt();
      StringBuilder key = new StringBuilder(cls);
      if (us >= 0) {
        key.append('.').append(method, 0, us);
      }
      if (b.has("params")) {
        for (Map.Entry<String, JsonElement> p : new TreeMap<>(
            b.getAsJsonObject("params").asMap()).entrySet()) {
          String value = p.getValue().getAsString();
          if (!value.equals(BASELINE_PARAMS.get(p.getKey()))) {
            key.append(' ').append(p.getKey()).append('=').append(value);
          }
        }
      }
      key.append(" [").append(threads).append("t]");
      JsonObject pm = b.getAsJsonObject("primaryMetric");
      String unit = pm.get("scoreUnit").getAsString();
      boolean higherIsBetter = unit.endsWith("/s") || unit.startsWith("ops");
      JsonArray raw = pm.getAsJsonArray("rawData");
      double[] forkMeans = new double[raw.size()];
      for (int f = 0; f < raw.size(); f++) {
        JsonArray its = raw.get(f).getAsJsonArray();
        double sum = 0;
        for (JsonElement it : its) {
          sum += it.getAsDouble();
        }
        forkMeans[f] = sum / its.size();
      }
      rows.add(new Row(key.toString(), impl, median(forkMeans), forkMeans, unit, higherIsBetter,
          threads));
    }
    return rows;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** Speed of {@code a} relative to {@code b}: above 1 means {@code a} is faster. */
  static double speedup(Row a, Row b) {
    return a.higherIsBetter() ? a.median() / b.median() : b.median() / a.median();
  }

  /** For every (workload, our implementation): its speed relative to the best peer. */
  static Map<String, Double> ratios(List<Row> rows) {
    Map<String, List<Row>> byWorkload = group(rows);
    Map<String, Double> out = new TreeMap<>();
    for (Map.Entry<String, List<Row>> w : byWorkload.entrySet()) {
      Row bestPeer = bestPeer(w.getValue());
      if (bestPeer == null) {
        continue;
      }
      for (Row r : w.getValue()) {
        if (Targets.isOurs(r.impl())) {
          out.put(w.getKey() + " " + r.impl() + " vs " + bestPeer.impl(), speedup(r, bestPeer));
        }
      }
    }
    return out;
  }

  /**
   * The row of the strong {@code ConcurrentHashMap} (or its key set): the ceiling a weak container
   * cannot reach, shown in the table but not a peer.
   */
  static final String CEILING = "concurrentHashMap";

  /**
   * The fastest row of a workload that is neither ours nor the strong ceiling, or {@code null} if
   * there is none.
   */
  static Row bestPeer(List<Row> workload) {
    Row bestPeer = null;
    for (Row r : workload) {
      if (!Targets.isOurs(r.impl()) && !r.impl().equals(CEILING)
          && (bestPeer == null || speedup(r, bestPeer) > 1)) {
        bestPeer = r;
      }
    }
    return bestPeer;
  }

  static Map<String, List<Row>> group(List<Row> rows) {
    Map<String, List<Row>> byWorkload = new TreeMap<>();
    for (Row r : rows) {
      byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
    }
    return byWorkload;
  }

  static String markdown(String header, List<Row> rows, List<Targets.Verdict> verdicts) {
    StringBuilder sb = new StringBuilder();
    if (!header.isEmpty()) {
      sb.append(header).append("\n\n");
    }
    sb.append("### Targets\n\n| target | ours | peer | cost ratio ours/peer | bound | met |\n")
        .append("| --- | --- | --- | ---: | ---: | --- |\n");
    for (Targets.Verdict v : verdicts) {
      sb.append("| ").append(v.target().label()).append(" | ")
          .append(v.ours() == null ? "—" : fmt(v.ours())).append(" | ")
          .append(v.peer() == null ? "—" : fmt(v.peer())).append(" | ")
          .append(Double.isNaN(v.ratio()) ? "—" : String.format(Locale.ROOT, "%.2f×", v.ratio()))
          .append(" | ").append(v.target().boundText()).append(" | ")
          .append(v.verdictText()).append(" |\n");
    }
    sb.append("\n### All rows (median of fork means; forks in brackets)\n\n")
        .append("Ours in bold; \"speed vs best peer\" is ours relative to the fastest other row of the")
        .append(" workload (above 1× = ours is faster), targets or not; the strong `ConcurrentHashMap` is")
        .append(" the ceiling, not a peer.\n\n")
        .append("| workload | implementation | median | unit | speed vs best peer | forks |\n")
        .append("| --- | --- | ---: | --- | --- | --- |\n");
    for (Map.Entry<String, List<Row>> w : group(rows).entrySet()) {
      Row bestPeer = bestPeer(w.getValue());
      for (Row r : w.getValue()) {
        String vs = Targets.isOurs(r.impl()) && bestPeer != null
            ? String.format(Locale.ROOT, "%.2f× %s", speedup(r, bestPeer), bestPeer.impl())
            : "";
        sb.append("| ").append(w.getKey()).append(" | ")
            .append(Targets.isOurs(r.impl()) ? "**" + r.impl() + "**" : r.impl()).append(" | ")
            .append(String.format(Locale.ROOT, "%.3f", r.median())).append(" | ").append(r.unit())
            .append(" | ").append(vs).append(" | ");
        for (int i = 0; i < r.forkMeans().length; i++) {
          sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3g", r.forkMeans()[i]));
        }
        sb.append(" |\n");
      }
    }
    return sb.toString();
  }

  private static String fmt(Row r) {
    return r.impl() + " " + String.format(Locale.ROOT, "%.3g %s", r.median(), r.unit());
  }

  /** Prints every ratio that fell by more than 10%; returns whether none did. */
  static boolean compare(Path oldFile, Path newFile) throws IOException {
    JsonObject oldR = JsonParser.parseString(Files.readString(oldFile)).getAsJsonObject()
        .getAsJsonObject("ratios");
    JsonObject newR = JsonParser.parseString(Files.readString(newFile)).getAsJsonObject()
        .getAsJsonObject("ratios");
    boolean ok = true;
    for (Map.Entry<String, JsonElement> e : newR.entrySet()) {
      if (!oldR.has(e.getKey())) {
        continue;
      }
      double before = oldR.get(e.getKey()).getAsDouble();
      double after = e.getValue().getAsDouble();
      String mark = after < before * 0.9 ? "REGRESSION" : after > before * 1.1 ? "improved" : "same";
      if (after < before * 0.9) {
        ok = false;
      }
      System.out.printf(Locale.ROOT, "%-11s %6.2f -> %6.2f  %s%n", mark, before, after, e.getKey());
    }
    return ok;
  }
}
