package ai.mercury.eval;

import ai.mercury.bundle.AtomicFiles;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleReader;
import ai.mercury.core.Json;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.TextEncoder;
import ai.mercury.index.IndexKind;
import ai.mercury.index.Vectors;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One {@code mercury eval} run: loads the data through its config, builds the protocol's queries,
 * runs the five baselines, then every bundle through the serving path (its configured index and
 * exact search), and writes a JSON report, a Markdown table and per-slice charts for each bundle
 * (plus a side-by-side report when several bundles were given), and the headline figures into
 * each bundle's manifest. Queries run on a pool of {@link EvalOptions#threads()} threads owned by
 * the run. Stateless.
 */
public final class EvalRunner {
    public static final int K = Scoring.K_LARGE;

    /** The written reports (JSON paths; the last one is the run's headline report) and their contents. */
    public record Result(List<Path> reports, List<EvalReport> contents) {}

    private EvalRunner() {}

    public static Result run(EvalOptions o, Consumer<String> log) throws IOException, BundleException {
        long start = System.nanoTime();
        Map<String, Double> timing = new LinkedHashMap<>();
        DatasetConfig config = DatasetConfig.load(o.config());
        long t = System.nanoTime();
        Dataset data = DatasetLoader.load(o.data(), config, log);
        ai.mercury.data.TimeSplit.check(data, config, null, true);
        EvalSetup setup = EvalSetup.prepare(data, config);
        timing.put("load_data_and_build_queries", seconds(t));
        log.accept("protocol " + config.evaluation().protocol() + ": " + setup.summary());

        ExecutorService pool = Executors.newFixedThreadPool(o.threads(), r -> {
            Thread th = new Thread(r, "eval-query");
            th.setDaemon(true);
            return th;
        });
        try {
            QueryRunner runner = new QueryRunner(pool, o.threads(), o.progress());
            Map<String, MethodFigures> baselines = runBaselines(o, setup, runner, timing, log);
            List<Path> written = new ArrayList<>();
            List<EvalReport> reports = new ArrayList<>();
            Map<String, MethodFigures> allModels = new LinkedHashMap<>();
            Map<String, Double> allAnn = new LinkedHashMap<>();
            List<EvalReport.BundleInfo> allInfos = new ArrayList<>();
            Files.createDirectories(o.out());
            for (Path dir : o.bundles()) {
                BundleRun b = runBundle(o, dir, setup, runner, timing, log);
                Map<String, MethodFigures> methods = new LinkedHashMap<>(baselines);
                methods.put("model", b.served);
                methods.put("model_exact", b.exact);
                allModels.put("model@" + b.info.version(), b.served);
                allModels.put("model_exact@" + b.info.version(), b.exact);
                allAnn.put(b.info.version(), b.ann);
                allInfos.add(b.info);
                timing.put("total", seconds(start));
                EvalReport report = new EvalReport(b.info.version(), setup, o.data().toString(), o.config().toString(), o.command(), methods,
                        Map.of(b.info.version(), b.ann), List.of(b.info), choices(config, List.of(b.info)), timing, Instant.now().toString());
                Path json = write(report, o.out(), b.info.version());
                if (o.updateManifests()) {
                    ManifestEvaluation.write(dir, manifestEntry(report, b, json));
                    log.accept(dir.resolve("manifest.json") + ": evaluation updated");
                }
                written.add(json);
                reports.add(report);
            }
            if (o.bundles().size() != 1) {
                Map<String, MethodFigures> methods = new LinkedHashMap<>(baselines);
                methods.putAll(allModels);
                timing.put("total", seconds(start));
                String title = o.bundles().isEmpty() ? "baselines" : "compare-" + String.join("_", allAnn.keySet());
                EvalReport report = new EvalReport(title, setup, o.data().toString(), o.config().toString(), o.command(), methods, allAnn,
                        allInfos, choices(config, allInfos), timing, Instant.now().toString());
                written.add(write(report, o.out(), title));
                reports.add(report);
            }
            log.accept(String.format(java.util.Locale.ROOT, "evaluation took %.1f s", seconds(start)));
            return new Result(written, reports);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, MethodFigures> runBaselines(EvalOptions o, EvalSetup setup, QueryRunner runner, Map<String, Double> timing,
                                                           Consumer<String> log) {
        Map<String, MethodFigures> out = new LinkedHashMap<>();
        long t = System.nanoTime();
        Baselines b = new Baselines(setup.data().items(), setup.split().fit(), setup.config().evaluation().popularityField());
        timing.put("baselines_fit_counts", seconds(t));
        List<Supplier<Ranker>> rankers = new ArrayList<>();
        rankers.add(() -> b.random(setup.config().evaluation().randomSeed()));
        rankers.add(b::popularity);
        rankers.add(b::popularityByContext);
        rankers.add(b::cooccurrence);
        for (Supplier<Ranker> s : rankers) {
            long t0 = System.nanoTime();
            Ranker r = s.get();
            out.put(r.name(), figures(r, setup, runner, t0));
            timing.put("baseline:" + r.name(), seconds(t0));
        }
        if (o.textEncoder() == null) {
            log.accept("text_knn: unavailable (" + o.textEncoderNote() + ")");
            out.put(Baselines.TEXT_KNN, MethodFigures.unavailable(Baselines.TEXT_KNN, o.textEncoderNote()));
        } else {
            long t0 = System.nanoTime();
            log.accept("text_knn: embedding " + setup.data().items().size() + " titles with " + o.textEncoder().name());
            Ranker r = b.textKnn(titleVectors(o.textEncoder(), setup.data().items()));
            timing.put("text_knn_title_embeddings", seconds(t0));
            out.put(r.name(), figures(r, setup, runner, t0));
            timing.put("baseline:" + r.name(), seconds(t0));
        }
        return out;
    }

    /** Every title embedded alone; through the encoder's own parallel/cached bulk path when it has one. */
    public static float[][] titleVectors(TextEncoder encoder, List<ItemRecord> items) {
        List<String> titles = items.stream().map(ItemRecord::title).toList();
        if (encoder instanceof ai.mercury.feature.CachingTextEncoder c) return c.embedAll(titles);
        if (encoder instanceof ai.mercury.feature.MiniLmTextEncoder m) return m.embedAll(titles);
        float[][] out = new float[titles.size()][];
        java.util.stream.IntStream.range(0, titles.size()).parallel().forEach(i -> out[i] = encoder.embed(titles.get(i)));
        return out;
    }

    private static MethodFigures figures(Ranker r, EvalSetup setup, QueryRunner runner, long t0) {
        List<List<String>> rankings = runner.run(r, r.name(), setup.queries(), K);
        return new MethodFigures(r.name(), withSessions(Scoring.score(setup.queries(), rankings, setup.catalog()), r, setup, runner), seconds(t0), null);
    }

    /** {@code slices} plus the ranker's figures on the in-session slices. */
    private static Map<Slice, SliceResult> withSessions(Map<Slice, SliceResult> slices, Ranker r, EvalSetup setup, QueryRunner runner) {
        Map<Slice, SliceResult> all = new java.util.EnumMap<>(slices);
        List<List<String>> rankings = runner.run(r, r.name() + " (session slices)", setup.sessionQueries(), K);
        all.putAll(Scoring.scoreSessions(setup.sessionQueries(), rankings, setup.catalog()));
        return all;
    }

    private record BundleRun(EvalReport.BundleInfo info, MethodFigures served, MethodFigures exact, double ann) {}

    private static BundleRun runBundle(EvalOptions o, Path dir, EvalSetup setup, QueryRunner runner, Map<String, Double> timing,
                                       Consumer<String> log) throws BundleException {
        long t = System.nanoTime();
        Bundle bundle = BundleReader.read(dir);
        String v = bundle.version();
        requireSameCatalog(bundle, setup);
        TextEncoder queryEncoder = o.textEncoder() != null ? o.textEncoder() : NoQueryTextEncoder.of(bundle.manifest().textEncoder());
        Snapshot served = null;
        Snapshot exact = null;
        try {
            // the exact load gets its own rows: the served load may renumber its bundle's rows in place (index.graph_order)
            Vectors rows = bundle.itemVectors();
            Bundle exactBundle = new Bundle(bundle.dir(), bundle.manifest(), bundle.items(), new Vectors(rows.count(), rows.dim(), rows.data().clone()));
            served = SnapshotLoader.load(bundle, new SnapshotLoader.Options(o.index(), 1, 20, queryEncoder), line -> { });
            exact = SnapshotLoader.load(exactBundle, new SnapshotLoader.Options(o.index().withKind(IndexKind.EXACT), 1, 20, queryEncoder),
                    line -> { });
            timing.put("model_load:" + v, seconds(t));
            log.accept("bundle " + v + ": served index " + served.index().kind() + ", " + served.catalog().size() + " items");
            long t0 = System.nanoTime();
            ModelRanker servedRanker = new ModelRanker("model", served);
            List<List<String>> s = runner.run(servedRanker, "model " + v, setup.queries(), K);
            MethodFigures fs = new MethodFigures("model", withSessions(Scoring.score(setup.queries(), s, setup.catalog()), servedRanker, setup, runner),
                    seconds(t0), null);
            timing.put("model:" + v, seconds(t0));
            long t1 = System.nanoTime();
            ModelRanker exactRanker = new ModelRanker("model_exact", exact);
            List<List<String>> e = runner.run(exactRanker, "model_exact " + v, setup.queries(), K);
            MethodFigures fe = new MethodFigures("model_exact", withSessions(Scoring.score(setup.queries(), e, setup.catalog()), exactRanker, setup,
                    runner), seconds(t1), null);
            timing.put("model_exact:" + v, seconds(t1));
            ObjectNode params = Json.MAPPER.valueToTree(o.index());
            EvalReport.BundleInfo info = new EvalReport.BundleInfo(v, dir.toString(), served.index().kind(), params,
                    bundle.manifest().textEncoder().name(), bundle.manifest().training());
            return new BundleRun(info, fs, fe, Scoring.overlap(s, e, K));
        } finally {
            if (served != null) served.retire();
            if (exact != null) exact.retire();
        }
    }

    /**
     * Refuses a bundle that does not know most of the data's catalog (trained on another shop, or
     * evaluated with the wrong dataset config): its figures would measure the mismatch, not the model.
     */
    static void requireSameCatalog(Bundle bundle, EvalSetup setup) {
        java.util.Set<String> known = new java.util.HashSet<>();
        for (ai.mercury.core.CatalogItem i : bundle.items()) known.add(i.itemId());
        long found = setup.catalog().stream().filter(known::contains).count();
        if (found * 2 < setup.catalog().size()) {
            com.fasterxml.jackson.databind.JsonNode t = bundle.manifest().training();
            String trainedOn = t == null || t.path("dataset").isMissingNode() ? "" : " (trained on dataset " + t.path("dataset").asText() + ")";
            throw new IllegalArgumentException("bundle " + bundle.version() + trainedOn + " knows " + found + " of the "
                    + setup.catalog().size() + " catalog items of dataset " + setup.config().name()
                    + ": evaluate it with the data and --config it was trained on");
        }
    }

    private static ObjectNode manifestEntry(EvalReport report, BundleRun b, Path json) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("protocol", report.setup().config().evaluation().protocol());
        e.put("data_sha256", report.setup().data().sha256());
        e.put("evaluated_at", report.createdAt());
        e.put("command", report.command());
        e.put("report", json.toString());
        e.put("served_index", b.info.servedIndex());
        e.set("model", EvalReport.figures(b.served));
        e.put("ann_recall@100", Math.round(b.ann * 1e6) / 1e6);
        return e;
    }

    private static Path write(EvalReport report, Path dir, String name) throws IOException {
        Map<Slice, String> charts = Charts.write(report, dir, name);
        Path md = dir.resolve(name + ".md");
        AtomicFiles.write(md, report.toMarkdown(charts).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path json = dir.resolve(name + ".json");
        AtomicFiles.write(json, Json.MAPPER.writeValueAsBytes(report.toJson()));
        return json;
    }

    static List<String> choices(DatasetConfig config, List<EvalReport.BundleInfo> bundles) {
        List<String> c = new ArrayList<>(Choices.of(config));
        for (EvalReport.BundleInfo b : bundles) {
            if (b.servedIndex().equals(IndexKind.EXACT.label())) {
                c.add("Bundle " + b.version() + ": the served index (conf/mercury.json index, kind auto below exact_below items) is exact "
                        + "for this catalog, so ann_recall@100 is 1 by construction; `mercury eval --index hnsw` measures HNSW.");
            }
        }
        return c;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** Rejects any query text: evaluation requests carry none, so the model's query slot is always empty. */
    private record NoQueryTextEncoder(String name, int dim) implements TextEncoder {
        static NoQueryTextEncoder of(ai.mercury.core.TextEncoderInfo info) {
            return new NoQueryTextEncoder(info.name(), info.dim());
        }

        @Override
        public float[] embed(String text) {
            throw new IllegalStateException("evaluation requests carry no query text");
        }
    }
}
