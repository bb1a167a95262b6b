package ai.mercury.eval;

import ai.mercury.bundle.AtomicFiles;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * PNG bar charts of a report, one per slice: the slice's metrics on the x axis, one bar per method
 * (models and baselines side by side). Rendered headless with JFreeChart; each file is written to a
 * temporary name and moved into place. Stateless.
 */
final class Charts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 520;
    private static final Color[] PALETTE = {
            new Color(0x9e9e9e), new Color(0x4e79a7), new Color(0x76b7b2), new Color(0xf28e2b), new Color(0xedc948),
            new Color(0xe15759), new Color(0xb07aa1), new Color(0x59a14f), new Color(0xff9da7), new Color(0x9c755f)};

    private Charts() {}

    /** Writes {@code <prefix>-<slice>.png} into {@code dir}; returns slice → file name. */
    static Map<Slice, String> write(EvalReport report, Path dir, String prefix) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<Slice, String> files = new EnumMap<>(Slice.class);
        for (Slice s : Slice.values()) {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (Map.Entry<String, MethodFigures> e : report.methods().entrySet()) {
                if (!e.getValue().available()) continue;
                SliceResult r = e.getValue().slices().get(s);
                if (r == null || r.queries() == 0) continue;
                if (s == Slice.COLD_ITEM) {
                    data.addValue(r.recall100(), e.getKey(), "recall@100 (cold targets)");
                } else {
                    double[] v = EvalReport.values(r);
                    for (int i = 0; i < v.length; i++) data.addValue(v[i], e.getKey(), EvalReport.METRIC_KEYS[i]);
                }
            }
            JFreeChart chart = ChartFactory.createBarChart(s.key() + " (" + report.setup().queryCounts().get(s) + " queries) — "
                    + report.title(), null, null, data, PlotOrientation.VERTICAL, true, false, false);
            chart.setBackgroundPaint(Color.WHITE);
            CategoryPlot plot = chart.getCategoryPlot();
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(new Color(0xdddddd));
            plot.getRangeAxis().setRange(0, 1);
            BarRenderer renderer = (BarRenderer) plot.getRenderer();
            renderer.setBarPainter(new StandardBarPainter());
            renderer.setShadowVisible(false);
            renderer.setItemMargin(0.05);
            for (int i = 0; i < data.getRowCount(); i++) renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            String name = prefix + "-" + s.key() + ".png";
            AtomicFiles.write(dir.resolve(name), ChartUtils.encodeAsPNG(chart.createBufferedImage(WIDTH, HEIGHT)));
            files.put(s, name);
        }
        return files;
    }
}
