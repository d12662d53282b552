package dev.weakref.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Draws the targets' cost ratios (ours / best peer) next to their bounds: XChart, log scale. */
final class Chart {
  private Chart() {}

  static void write(Path png, List<Targets.Verdict> verdicts, Map<String, Double> ratios)
      throws IOException {
    List<String> labels = new ArrayList<>();
    List<Double> measured = new ArrayList<>();
    List<Double> bounds = new ArrayList<>();
    for (Targets.Verdict v : verdicts) {
      if (Double.isNaN(v.ratio())) {
        continue;
      }
      labels.add(v.target().label());
      measured.add(v.ratio());
      bounds.add(v.target().bound());
    }
    if (labels.isEmpty()) {
      return;
    }
    CategoryChart chart = new CategoryChartBuilder().width(1400).height(1000)
        .title("weakref vs the best peer: cost ratio (lower is better; at or under the bound = met)")
        .xAxisTitle("target").yAxisTitle("cost(ours) / cost(best peer), log scale").build();
    // Log scale: ratios span from about 0.25 to 25, and 0.5x is as far below parity as 2x is above.
    // Bars anchor the axis at 0, which a log axis cannot show: start it below the smallest bar.
    chart.getStyler().setYAxisLogarithmic(true);
    double smallest = Math.min(
        measured.stream().mapToDouble(Double::doubleValue).min().orElse(1),
        bounds.stream().mapToDouble(Double::doubleValue).min().orElse(1));
    chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisLabelRotation(90);
    chart.getStyler().setOverlapped(false);
    chart.addSeries("measured (median of forks)", labels, measured);
    chart.addSeries("bound", labels, bounds);
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
