package ai.mercury.eval;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The robustness check's report ({@code scripts/eval-robustness}): for each dataset variant, its
 * {@code mercury eval} JSON report turned into one table, the served model (the hybrid, as the
 * bundle serves it) against the best baseline per slice, and the bar: on a slice with at least
 * {@link #MIN_QUERIES} queries, Recall@100 must reach {@link #RECALL_RATIO} × the best baseline's.
 * The trainer's own hold-out verdict (the manifest's {@code training.hybrid}) is printed beside it,
 * so that a loss on the test split can be compared with what the hold-out said before serving.
 */
public final class RobustnessReport {
    /** Slices with fewer queries are shown but not held to the bar: their figures are noise. */
    public static final int MIN_QUERIES = 100;
    /** The bar: the model's Recall@100 at least this share of the best baseline's. */
    public static final double RECALL_RATIO = 0.98;
    static final String MODEL = "model";

    /** One variant: its name, what it changes, and its eval report. */
    public record Variant(String name, String description, Path report) {}

    /** One slice of one variant against the bar. */
    public record Row(String slice, int queries, double recall, String bestRecallMethod, double bestRecall, Double ndcg,
                      String bestNdcgMethod, Double bestNdcg) {
        public boolean held() {
            return queries >= MIN_QUERIES;
        }

        public boolean fails() {
            return held() && recall < RECALL_RATIO * bestRecall;
        }
    }

    /** The rows of one variant's eval report, in the report's slice order. */
    public static List<Row> rows(JsonNode report) {
        JsonNode methods = report.path("methods");
        JsonNode model = methods.path(MODEL);
        if (!model.isObject()) throw new IllegalArgumentException("the report has no figures for the model (methods.model)");
        List<Row> rows = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String slice = e.getKey();
            JsonNode m = e.getValue();
            if (!m.hasNonNull("recall@100")) continue;
            String[] bestR = best(methods, slice, "recall@100");
            String[] bestN = best(methods, slice, "ndcg@10");
            rows.add(new Row(slice, m.path("queries").asInt(), m.get("recall@100").asDouble(), bestR[0],
                    bestR[0] == null ? 0 : Double.parseDouble(bestR[1]), m.hasNonNull("ndcg@10") ? m.get("ndcg@10").asDouble() : null,
                    bestN[0], bestN[0] == null ? null : Double.parseDouble(bestN[1])));
        }
        return rows;
    }

    /** {method, value} of the best baseline (every method but the model's) on a slice and metric; {null, null} when none. */
    private static String[] best(JsonNode methods, String slice, String metric) {
        String name = null;
        double value = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = methods.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith(MODEL)) continue;   // model, model_exact, model@<version>
            JsonNode v = e.getValue().path(slice).path(metric);
            if (v.isNumber() && v.asDouble() > value) {
                value = v.asDouble();
                name = e.getKey();
            }
        }
        return new String[] {name, name == null ? null : Double.toString(value)};
    }

    /** The Markdown page: one section and table per variant. */
    public static String markdown(List<Variant> variants) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("| variant | slices held to the bar | below 0.98 × best baseline |\n|---|---|---|\n");
        List<String> sections = new ArrayList<>();
        for (Variant v : variants) {
            JsonNode report = Json.MAPPER.readTree(v.report().toFile());
            List<Row> rows = rows(report);
            long held = rows.stream().filter(Row::held).count();
            List<String> failing = rows.stream().filter(Row::fails).map(Row::slice).toList();
            sb.append("| ").append(v.name()).append(" | ").append(held).append(" | ")
                    .append(failing.isEmpty() ? "none" : "**" + String.join(", ", failing) + "**").append(" |\n");
            sections.add(section(v, report, rows));
        }
        sb.append('\n');
        sections.forEach(sb::append);
        return sb.toString();
    }

    private static String section(Variant v, JsonNode report, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(v.name()).append("\n\n").append(v.description()).append("\n\n");
        JsonNode d = report.path("dataset");
        if (d.isObject()) {
            sb.append(String.format(Locale.ROOT, "Data: %,d rows kept of %,d, %,d catalog items (%d cold), %,d users, %,d fit and %,d test baskets.%n%n",
                    d.path("rows_kept").asLong(), d.path("rows_read").asLong(), d.path("catalog_items").asLong(), d.path("cold_items").asLong(),
                    d.path("users").asLong(), d.path("fit_baskets").asLong(), d.path("test_baskets").asLong()));
        }
        sb.append("| slice | queries | model R@100 | best baseline R@100 | ratio | model NDCG@10 | best baseline NDCG@10 | bar |\n");
        sb.append("|---|---:|---:|---|---:|---:|---|---|\n");
        for (Row r : rows) {
            String bar = !r.held() ? "n/a (< " + MIN_QUERIES + " queries)" : r.fails() ? "**below 0.98 ×**" : "met";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %s %.4f | %s | %s | %s | %s |%n", r.slice(), r.queries(), r.recall(),
                    r.bestRecallMethod(), r.bestRecall(), r.bestRecall() > 0 ? String.format(Locale.ROOT, "%.3f", r.recall() / r.bestRecall()) : "–",
                    r.ndcg() == null ? "–" : String.format(Locale.ROOT, "%.4f", r.ndcg()),
                    r.bestNdcg() == null ? "–" : String.format(Locale.ROOT, "%s %.4f", r.bestNdcgMethod(), r.bestNdcg()), bar));
        }
        sb.append('\n');
        JsonNode bundle = report.path("bundles").path(0);
        JsonNode hybrid = bundle.path("training").path("hybrid");
        if (hybrid.isObject()) {
            sb.append("Trainer's hold-out verdict (`training.hybrid`): ")
                    .append(hybrid.path("holdout_beats_best_baseline").asBoolean(false) ? "at least as good as the best baseline on every slice"
                            : "loses " + hybrid.path("holdout_losses_to_best_baseline"))
                    .append("; weights ").append(hybrid.path("weights")).append(".\n\n");
        } else if (bundle.isObject()) {
            sb.append("The bundle has no hybrid (`training.hybrid` absent): the towers alone.\n\n");
        }
        sb.append("Report: `").append(v.report()).append("`.\n\n");
        return sb.toString();
    }

    /** The failing slices of every variant, "variant/slice", for the script's exit code. */
    public static List<String> failures(List<Variant> variants) throws IOException {
        List<String> out = new ArrayList<>();
        for (Variant v : variants) {
            for (Row r : rows(Json.MAPPER.readTree(v.report().toFile()))) if (r.fails()) out.add(v.name() + "/" + r.slice());
        }
        return out;
    }
}
