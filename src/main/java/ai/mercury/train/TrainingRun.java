package ai.mercury.train;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.HybridSignals;
import ai.mercury.bundle.TextNeighbours;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.core.TextEncoderInfo;
import ai.mercury.data.Dataset;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.TextEncoder;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One {@code mercury train}: a loaded dataset and a text encoder in, a published bundle out. Builds
 * the training data, trains, exports both towers through {@link BundleWriter} with the whole catalog
 * (fit and later items alike: a product is listed before anyone buys it) and records the provenance
 * (data sha256, command, seed, configuration, epochs, hold-out figures, training time) in the
 * manifest's {@code training} section.
 */
public final class TrainingRun {

    /** What was published and how the run went. */
    public record Outcome(Path bundle, TwoTowerTrainer.Result result, TrainingData data) {}

    private TrainingRun() {}

    /**
     * @param dataFile  the file the dataset was read from (recorded, not read again)
     * @param command   the command line to record
     * @param progress  progress bar and log lines; null for silence
     */
    public static Outcome run(Dataset dataset, Path dataFile, TextEncoder textEncoder, TrainConfig config, Path artifactsDir,
                              String version, String command, PrintStream progress) throws IOException {
        return run(dataset, dataFile, textEncoder, config, artifactsDir, version, command, progress, null);
    }

    /** As {@link #run(Dataset, Path, TextEncoder, TrainConfig, Path, String, String, PrintStream)}, handing the final model to {@code probe}. */
    public static Outcome run(Dataset dataset, Path dataFile, TextEncoder textEncoder, TrainConfig config, Path artifactsDir,
                              String version, String command, PrintStream progress, TwoTowerTrainer.Probe probe) throws IOException {
        return run(dataset, dataFile, textEncoder, config, artifactsDir, version, command, progress, probe, FIRST_CONTEXT_FIELD);
    }

    /** Names the first context field of the data's feature spec as the popularity field. */
    public static final String FIRST_CONTEXT_FIELD = "\0first";

    /**
     * As above, with the context field that the hybrid's popularity is grouped by (the dataset's
     * {@code evaluation.popularity_field}; null: overall popularity only).
     */
    public static Outcome run(Dataset dataset, Path dataFile, TextEncoder textEncoder, TrainConfig config, Path artifactsDir,
                              String version, String command, PrintStream progress, TwoTowerTrainer.Probe probe,
                              String popularityField) throws IOException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        TrainingData data = new TrainingData(dataset, textEncoder, config);
        long prepMillis = (System.nanoTime() - t0) / 1_000_000;
        if (progress != null) {
            progress.printf("training data: %d items, %d fit baskets (%d in the hold-out from %s), %d hold-out queries, %d pseudo-cold items,"
                            + " features %.1f s (title embedding %.1f s)%n",
                    data.itemCount(), data.examples().size(), data.examples().stream().filter(TrainingData.Example::holdout).count(),
                    config.holdoutStart(), data.holdoutQueries().size(), data.heldOutOfSelectionCount(), prepMillis / 1000.0,
                    data.textMillis() / 1000.0);
        }
        TwoTowerTrainer.Result result = new TwoTowerTrainer(data, config, progress).train(probe);
        long t1 = System.nanoTime();
        Map<String, HoldoutEvaluator.Metrics> baselines = HoldoutBaselines.evaluate(data);
        if (progress != null) {
            progress.println("hold-out recall@100, model: " + result.bestHoldout());
            baselines.forEach((name, m) -> progress.println("hold-out recall@100, " + name + ": " + m));
        }
        List<CatalogItem> items = dataset.items().stream().map(ItemRecord::toCatalogItem).toList();
        ObjectNode training = provenance(dataset, dataFile, textEncoder, config, command, started, result, prepMillis,
                data.heldOutOfSelectionCount());
        ObjectNode b = training.putObject("holdout_baselines_recall@100");
        baselines.forEach((name, m) -> b.set(name, metrics(m)));
        HybridSignals signals = null;
        if (result.selection() != null) {
            String field = !FIRST_CONTEXT_FIELD.equals(popularityField) ? popularityField
                    : data.spec().context().isEmpty() ? null : data.spec().context().get(0).name();
            long h0 = System.nanoTime();
            HybridTuner.Outcome hybrid = new HybridTuner(data, result.selection(), field, data.itemText()).tune(progress);
            signals = bundleSignals(data, field).withText(TextNeighbours.of(data.itemText(), TextNeighbours.DEFAULT_PER_ITEM));
            ObjectNode h = hybrid.toJson();
            h.set("signals", signals.describe());
            h.put("tuning_millis", (System.nanoTime() - h0) / 1_000_000);
            h.put("criterion", "bar");
            training.set("hybrid", h);
        }
        BundleWriter.Content content = new BundleWriter.Content(version, data.spec(), new TextEncoderInfo(textEncoder.name(), textEncoder.dim()),
                result.userTower(), result.itemTower(), items, Vectors.ofRows(result.itemVectors()), training, null);
        Path bundle = BundleWriter.publish(artifactsDir, content, null, signals);
        if (progress != null) {
            progress.printf("published %s (training %.1f s; baselines, hybrid tuning and export %.1f s)%n", bundle, result.millis() / 1000.0,
                    (System.nanoTime() - t1) / 1e9);
        }
        return new Outcome(bundle, result, data);
    }

    /** The served signals: every fit basket (the hold-out included, as the refit sees it). */
    static HybridSignals bundleSignals(TrainingData data, String field) {
        return bundleSignals(data, field, data.itemCount(), o -> o);
    }

    /** As above, in another row order: {@code rowOf} maps the data's ordinals to the bundle's rows (-1: absent). */
    public static HybridSignals bundleSignals(TrainingData data, String field, int rows, java.util.function.IntUnaryOperator rowOf) {
        List<int[]> baskets = new java.util.ArrayList<>(data.examples().size());
        List<String> values = new java.util.ArrayList<>(data.examples().size());
        for (int e = 0; e < data.examples().size(); e++) {
            baskets.add(java.util.Arrays.stream(data.examples().get(e).items()).map(rowOf).filter(r -> r >= 0).toArray());
            values.add(field == null ? null : data.exampleContexts().get(e).get(field));
        }
        return HybridSignals.count(rows, baskets, values, field, HybridSignals.DEFAULT_NEIGHBOURS);
    }

    private static ObjectNode provenance(Dataset dataset, Path dataFile, TextEncoder textEncoder, TrainConfig c, String command,
                                         Instant started, TwoTowerTrainer.Result r, long prepMillis, int pseudoCold) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("kind", "two-tower");
        t.put("trainer", "mercury train (DJL " + TwoTowerTrainer.ENGINE + ")");
        t.put("command", command);
        t.put("seed", c.seed());
        t.put("dataset", dataset.name());
        t.put("data_file", dataFile == null ? null : dataFile.getFileName().toString());
        t.put("data_sha256", dataset.sha256());
        t.put("fit_end", c.fitEnd().toString());
        t.put("holdout_start", c.holdoutStart().toString());
        t.put("pseudo_cold_items", pseudoCold);
        t.put("text_encoder", textEncoder.name());
        t.put("started_at", started.toString());
        t.put("feature_millis", prepMillis);
        t.put("training_millis", r.millis());
        ObjectNode h = t.putObject("hyperparameters");
        h.put("embedding_dim", c.embeddingDim());
        h.put("text_block_dim", c.textBlockDim());
        h.set("user_hidden", ints(c.userHidden()));
        h.set("item_hidden", ints(c.itemHidden()));
        h.put("temperature", c.temperature());
        h.put("loss", "in-batch sampled softmax with log-Q correction");
        h.put("batch_examples", c.batchExamples());
        h.put("max_targets", c.maxTargets());
        h.put("optimizer", "adam");
        h.put("learning_rate", c.learningRate());
        h.put("max_epochs", c.maxEpochs());
        h.put("patience", c.patience());
        h.put("weight_average_decay", TwoTowerTrainer.WEIGHT_AVERAGE_DECAY);
        h.put("history_cap", c.historyCap());
        h.put("context_only_share", c.contextOnlyShare());
        h.put("first_item_share", c.firstItemShare());
        h.put("query_slot", c.querySlot());
        h.put("query_share", c.queryShare());
        h.put("refit", c.refit());
        t.put("best_epoch", r.bestEpoch());
        t.put("text_weight", round(r.textWeight()));
        t.put("text_weight_factor", r.textWeightFactor());
        t.put("diffuse_text_weight_factor", r.diffuseTextWeightFactor());
        t.put("text_weight_raw", round(r.textWeightRaw()));
        t.set("holdout_recall@100", metrics(r.bestHoldout()));
        t.set("holdout_recall@100_tuned", metrics(r.tunedHoldout()));
        t.set("epochs", epochs(r.epochs()));
        if (!r.refitEpochs().isEmpty()) t.set("refit_epochs", epochs(r.refitEpochs()));
        return t;
    }

    private static ArrayNode epochs(List<TwoTowerTrainer.EpochStats> stats) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (TwoTowerTrainer.EpochStats s : stats) {
            ObjectNode e = a.addObject();
            e.put("epoch", s.epoch());
            e.put("loss", round(s.loss()));
            e.put("millis", s.millis());
            e.put("text_weight_factor", s.textWeightFactor());
            e.set("holdout_recall@100", metrics(s.holdout()));
        }
        return a;
    }

    private static ObjectNode metrics(HoldoutEvaluator.Metrics m) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, Double> e : m.recall().entrySet()) o.put(e.getKey(), round(e.getValue()));
        o.put("mean", round(m.score()));
        return o;
    }

    private static ArrayNode ints(int[] values) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (int v : values) a.add(v);
        return a;
    }

    private static double round(double v) {
        return Math.round(v * 1e5) / 1e5;
    }
}
