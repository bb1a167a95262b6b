package ai.mercury.bench;

import ai.mercury.bundle.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns load-test results ({@code docs/bench/*.jsonl} of {@code scripts/bench/loadtest} or
 * {@code scripts/bench/loadtest-ab}) into a latency-vs-rate PNG: for every series (file label, plus
 * variant and mix when present) the median (or, with {@code --stat min}, the best) over repetitions of p50 and p99 at each open-model
 * target rate, plotted against the median achieved rate, on a log latency axis; closed-loop runs
 * (wrk) become one point each at their median throughput. A dashed line marks a latency target.
 *
 * <pre>
 *   scripts/bench/plot-load --out docs/bench/latency-vs-rate.png [--title T] [--target-ms 2] [--mix realistic] [LABEL]=FILE.jsonl ...
 *   (an empty label, "=FILE", names the series by variant and mix alone)
 * </pre>
 */
public final class LoadPlot {
    private static final Color[] PALETTE = {new Color(0x4e79a7), new Color(0xf28e2b), new Color(0x59a14f), new Color(0xe15759),
            new Color(0xb07aa1), new Color(0x76b7b2), new Color(0xedc948), new Color(0x9c755f), new Color(0xff9da7), new Color(0x9e9e9e)};

    private LoadPlot() {}

    /** One plotted point: the medians over repetitions of one (series, target rate). */
    record Point(double rate, double p50, double p99, int runs) {}

    /** How repetitions combine: {@code median}, or {@code min} (the least-disturbed run, per figure, on a shared machine). */
    static String stat = "median";

    public static void main(String[] args) throws IOException {
        Path out = null;
        String title = "Mercury /recommend: latency vs rate (open model, server on 1 core)";
        String mix = null;
        double targetMs = 0;
        Map<String, Path> files = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--title" -> title = args[++i];
                case "--mix" -> mix = args[++i];
                case "--target-ms" -> targetMs = Double.parseDouble(args[++i]);
                case "--stat" -> {
                    stat = args[++i];
                    if (!stat.equals("median") && !stat.equals("min")) throw new IllegalArgumentException("--stat median|min");
                }
                default -> {
                    String a = args[i];
                    int eq = a.indexOf('=');
                    Path p = Path.of(eq >= 0 ? a.substring(eq + 1) : a);
                    files.put(eq >= 0 ? a.substring(0, eq) : p.getFileName().toString().replace(".jsonl", ""), p);
                }
            }
        }
        if (out == null || files.isEmpty()) {
            System.err.println("usage: LoadPlot --out FILE.png [--title T] [--mix M] [--target-ms MS] [--stat median|min] [LABEL=]FILE.jsonl ...");
            System.exit(2);
        }
        Map<String, List<Point>> series = new LinkedHashMap<>();
        Map<String, Point> closed = new LinkedHashMap<>();
        for (Map.Entry<String, Path> f : files.entrySet()) read(f.getKey(), f.getValue(), mix, series, closed);
        byte[] png = render(title, series, closed, targetMs);
        AtomicFiles.write(out, png);
        System.out.println("wrote " + out + " (" + series.size() + " series, " + closed.size() + " closed-loop points)");
    }

    static void read(String label, Path file, String onlyMix, Map<String, List<Point>> series, Map<String, Point> closed) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Map<Double, List<JsonNode>>> open = new LinkedHashMap<>();
        Map<String, List<JsonNode>> wrk = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode r = json.readTree(line);
            String mix = r.path("mix").asText("");
            if (onlyMix != null && !onlyMix.equals(mix)) continue;
            String name = String.join(" ", java.util.stream.Stream.of(label, r.has("variant") ? r.get("variant").asText() : "",
                    onlyMix == null ? mix : "").filter(x -> !x.isEmpty()).toList());
            String mode = r.path("mode").asText();
            if (mode.equals("open")) {
                open.computeIfAbsent(name, k -> new TreeMap<>()).computeIfAbsent(r.path("target_rate").asDouble(), k -> new ArrayList<>()).add(r);
            } else if (mode.startsWith("closed")) {
                wrk.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
            }
        }
        open.forEach((name, byRate) -> {
            List<Point> points = new ArrayList<>();
            byRate.forEach((rate, runs) -> points.add(new Point(median(runs, "achieved_rate"), median(runs, "p50_ms"), median(runs, "p99_ms"), runs.size())));
            series.put(name, points);
        });
        wrk.forEach((name, runs) -> closed.put(name, new Point(median(runs, "achieved_rate"), median(runs, "p50_ms"), median(runs, "p99_ms"), runs.size())));
    }

    static double median(List<JsonNode> runs, String field) {
        double[] v = runs.stream().mapToDouble(r -> r.path(field).asDouble()).sorted().toArray();
        if (stat.equals("min")) return field.equals("achieved_rate") ? v[v.length - 1] : v[0];
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static byte[] render(String title, Map<String, List<Point>> series, Map<String, Point> closed, double targetMs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        int color = 0;
        int index = 0;
        Map<String, Color> colors = new LinkedHashMap<>();
        for (Map.Entry<String, List<Point>> e : series.entrySet()) {
            Color c = PALETTE[color++ % PALETTE.length];
            colors.put(e.getKey(), c);
            XYSeries p50 = new XYSeries(e.getKey() + " p50", false);
            XYSeries p99 = new XYSeries(e.getKey() + " p99", false);
            for (Point p : e.getValue()) {
                p50.add(p.rate(), Math.max(p.p50(), 0.01));
                p99.add(p.rate(), Math.max(p.p99(), 0.01));
            }
            data.addSeries(p50);
            renderer.setSeriesPaint(index, c);
            renderer.setSeriesStroke(index++, new BasicStroke(2f));
            data.addSeries(p99);
            renderer.setSeriesPaint(index, c);
            renderer.setSeriesStroke(index++, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        for (Map.Entry<String, Point> e : closed.entrySet()) {
            XYSeries s = new XYSeries(e.getKey() + " closed loop (wrk) p50", false);
            s.add(e.getValue().rate(), Math.max(e.getValue().p50(), 0.01));
            data.addSeries(s);
            renderer.setSeriesPaint(index, colors.getOrDefault(e.getKey(), Color.DARK_GRAY));
            renderer.setSeriesShape(index, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
            renderer.setSeriesLinesVisible(index++, false);
        }
        if (targetMs > 0) {
            double max = 0;
            for (List<Point> ps : series.values()) for (Point p : ps) max = Math.max(max, p.rate());
            for (Point p : closed.values()) max = Math.max(max, p.rate());
            XYSeries t = new XYSeries("target p99 " + targetMs + " ms", false);
            t.add(0, targetMs);
            t.add(max * 1.05, targetMs);
            data.addSeries(t);
            renderer.setSeriesPaint(index, new Color(0xcc0000));
            renderer.setSeriesShapesVisible(index, false);
            renderer.setSeriesStroke(index++, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
        }
        NumberAxis x = new NumberAxis("achieved requests per second");
        LogarithmicAxis y = new LogarithmicAxis("latency, ms (log; p50 solid, p99 dashed)");
        y.setAllowNegativesFlag(false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setTitle(new TextTitle(title, new Font(Font.SANS_SERIF, Font.BOLD, 15)));
        chart.setBackgroundPaint(Color.WHITE);
        return ChartUtils.encodeAsPNG(chart.createBufferedImage(1000, 560));
    }
}
