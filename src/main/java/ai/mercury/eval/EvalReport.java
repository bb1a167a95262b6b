package ai.mercury.eval;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One evaluation run's results in PROTOCOL.md's report format (plus query counts, dataset facts,
 * the evaluated bundles, the choices made where the protocol is silent, and timings), renderable
 * as JSON and as a Markdown table. Immutable.
 *
 * @param title     what was evaluated (a bundle version, or a comparison of several)
 * @param methods   figures by method name, in report order (baselines first, then models)
 * @param annRecall ANN recall@100 against exact search, by bundle version
 * @param timing    wall seconds by phase
 */
public record EvalReport(String title, EvalSetup setup, String dataFile, String configFile, String command,
                         Map<String, MethodFigures> methods, Map<String, Double> annRecall, List<BundleInfo> bundles,
                         List<String> choices, Map<String, Double> timing, String createdAt) {

    /** A bundle as evaluated: where from, and which index served its queries. */
    public record BundleInfo(String version, String dir, String servedIndex, JsonNode indexParams, String textEncoder, JsonNode training) {}

    public static final String[] METRIC_KEYS = {"recall@10", "recall@100", "ndcg@10", "hitrate@10", "coverage@10"};

    public EvalReport {
        methods = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(methods));
        annRecall = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(annRecall));
        bundles = List.copyOf(bundles);
        choices = List.copyOf(choices);
        timing = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(timing));
    }

    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("protocol", setup.config().evaluation().protocol());
        root.put("data_sha256", setup.data().sha256());
        root.put("command", command);
        ObjectNode ms = root.putObject("methods");
        methods.forEach((name, f) -> ms.set(name, figures(f)));
        if (annRecall.size() == 1) {
            putNumber(root, "ann_recall@100", annRecall.values().iterator().next());
        } else if (!annRecall.isEmpty()) {
            ObjectNode ann = root.putObject("ann_recall@100");
            annRecall.forEach((v, x) -> putNumber(ann, v, x));
        }
        root.put("title", title);
        ObjectNode q = root.putObject("queries");
        setup.queryCounts().forEach((s, n) -> q.put(s.key(), n));
        root.set("dataset", dataset());
        ArrayNode bs = root.putArray("bundles");
        for (BundleInfo b : bundles) {
            ObjectNode o = bs.addObject().put("version", b.version()).put("dir", b.dir()).put("served_index", b.servedIndex());
            o.set("index_params", b.indexParams());
            o.put("text_encoder", b.textEncoder());
            if (b.training() != null) o.set("training", b.training());
        }
        ArrayNode cs = root.putArray("choices");
        choices.forEach(cs::add);
        ObjectNode t = root.putObject("timing_s");
        timing.forEach((k, v) -> putNumber(t, k, v));
        root.put("created_at", createdAt);
        return root;
    }

    /** One method's entry: per slice its query count and figures, or {"unavailable": reason}. */
    public static ObjectNode figures(MethodFigures f) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (!f.available()) {
            o.put("unavailable", f.unavailable());
            return o;
        }
        for (Slice s : Slice.values()) {
            SliceResult r = f.slices().get(s);
            if (r == null) continue;
            ObjectNode so = o.putObject(s.key());
            so.put("queries", r.queries());
            if (s == Slice.COLD_ITEM) {
                putNumber(so, "recall@100", r.recall100());
            } else {
                double[] v = values(r);
                for (int i = 0; i < METRIC_KEYS.length; i++) putNumber(so, METRIC_KEYS[i], v[i]);
            }
        }
        return o;
    }

    static double[] values(SliceResult r) {
        return new double[] {r.recall10(), r.recall100(), r.ndcg10(), r.hitRate10(), r.coverage10()};
    }

    private ObjectNode dataset() {
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.put("name", setup.data().name());
        d.put("file", dataFile);
        d.put("config", configFile);
        d.put("rows_read", setup.data().report().rowsRead());
        d.put("rows_kept", setup.data().report().rowsKept());
        ObjectNode dropped = d.putObject("dropped");
        new TreeMap<>(setup.data().report().dropped()).forEach(dropped::put);
        d.put("catalog_items", setup.catalog().size());
        d.put("cold_items", setup.split().coldItems().size());
        d.put("users", setup.users());
        d.put("fit_baskets", setup.split().fit().size());
        d.put("test_baskets", setup.split().test().size());
        d.put("test_start", setup.split().testStart().toString());
        return d;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else {
            o.put(key, Math.round(v * 1e6) / 1e6);
        }
    }

    /** The Markdown report: one table per slice, then ANN recall, choices and timings; {@code charts} maps slices to PNG file names. */
    public String toMarkdown(Map<Slice, String> charts) {
        StringBuilder md = new StringBuilder();
        md.append("# Evaluation: ").append(title).append("\n\n");
        md.append("Protocol `").append(setup.config().evaluation().protocol()).append("` (../shared/eval/PROTOCOL.md) on `")
                .append(dataFile).append("` (sha256 `").append(setup.data().sha256()).append("`).\n\n");
        md.append("Command: `").append(command).append("`  \n");
        md.append("Data: ").append(setup.summary()).append(".\n\n");
        for (BundleInfo b : bundles) {
            md.append("Bundle `").append(b.version()).append("`: served index **").append(b.servedIndex()).append("**, text encoder `")
                    .append(b.textEncoder()).append("`").append(b.training() != null && b.training().hasNonNull("kind")
                            ? ", training kind `" + b.training().get("kind").asText() + "`" : "").append(".  \n");
        }
        md.append('\n');
        for (Slice s : Slice.values()) {
            md.append("## ").append(s.key()).append(" (").append(setup.queryCounts().get(s)).append(" queries)\n\n");
            if (Slice.SESSIONS.contains(s)) {
                int n = Slice.SESSIONS.indexOf(s) + 1;
                md.append("In-session slice (Mercury's, not the protocol's): a cold user's basket of at least ").append(SessionQueries.MIN_BASKET)
                        .append(" items; its first ").append(n).append(n == 1 ? " item" : " items")
                        .append(" arrived as session events, the history comes from the server's session store; targets: the rest of the basket.\n\n");
            }
            if (s == Slice.COLD_ITEM) {
                md.append("| method | queries | recall@100 (cold targets) |\n|---|---:|---:|\n");
            } else {
                md.append("| method | queries | recall@10 | recall@100 | ndcg@10 | hitrate@10 | coverage@10 |\n|---|---:|---:|---:|---:|---:|---:|\n");
            }
            for (Map.Entry<String, MethodFigures> e : methods.entrySet()) {
                MethodFigures f = e.getValue();
                md.append("| ").append(e.getKey()).append(" | ");
                if (!f.available()) {
                    md.append("— | unavailable: ").append(f.unavailable().replace("|", "/")).append(" |\n");
                    continue;
                }
                SliceResult r = f.slices().get(s);
                md.append(r.queries());
                if (s == Slice.COLD_ITEM) {
                    md.append(" | ").append(fmt(r.recall100()));
                } else {
                    for (double v : values(r)) md.append(" | ").append(fmt(v));
                }
                md.append(" |\n");
            }
            if (charts.containsKey(s)) md.append("\n![").append(s.key()).append("](").append(charts.get(s)).append(")\n");
            md.append('\n');
        }
        if (!annRecall.isEmpty()) {
            md.append("## ANN recall@100 against exact search\n\n");
            annRecall.forEach((v, x) -> md.append("- `").append(v).append("`: ").append(fmt(x)).append('\n'));
            md.append('\n');
        }
        md.append("## Choices where the protocol is silent\n\n");
        choices.forEach(c -> md.append("- ").append(c).append('\n'));
        md.append("\n## Timing (wall seconds)\n\n");
        timing.forEach((k, v) -> md.append("- ").append(k).append(": ").append(String.format(Locale.ROOT, "%.1f", v)).append('\n'));
        md.append("\nCreated ").append(createdAt).append(".\n");
        return md.toString();
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
    }
}
