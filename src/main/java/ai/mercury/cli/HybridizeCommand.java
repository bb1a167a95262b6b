package ai.mercury.cli;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.HybridSignals;
import ai.mercury.bundle.TextNeighbours;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.TimeSplit;
import ai.mercury.eval.EvalRunner;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.train.HybridTuner;
import ai.mercury.train.TrainConfig;
import ai.mercury.train.TrainingData;
import ai.mercury.train.TrainingRun;
import ai.mercury.train.TwoTowerTrainer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mercury bundle hybridize DIR}: adds the hybrid (count signals and hold-out-chosen weights) to
 * a bundle trained before it, without retraining. The weights are chosen on the dataset's hold-out
 * with the bundle's own towers, which (after a refit) have seen the hold-out baskets: the model looks
 * better there than it is, so the chosen weights lean towards the model. {@code mercury train}
 * chooses them with the selection model instead.
 */
@Command(name = "hybridize", mixinStandardHelpOptions = true,
        description = "Publish a copy of bundle DIR as a new version with the hybrid's signals and hold-out-chosen weights.")
final class HybridizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "the bundle to copy")
    Path dir;

    @Option(names = "--data", description = "interaction log (default: the config's)")
    Path data;

    @Option(names = "--config", defaultValue = "conf/datasets/online-retail.json", description = "dataset config (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--artifacts", defaultValue = "artifacts", description = "where the copy is published (default: ${DEFAULT-VALUE})")
    Path artifacts;

    @Option(names = "--version", description = "version of the copy (default: now)")
    String version;

    @Option(names = "--criterion", defaultValue = "bar", description = "how the weights are chosen: bar (least shortfall against the best "
            + "baseline on the hold-out, then the most gain over the model alone) or model-gain (the gain alone, as before) (default: ${DEFAULT-VALUE})")
    String criterion;

    @Option(names = "--text-encoder", defaultValue = "minilm", description = "title encoder for the title neighbours and text_knn: minilm "
            + "or hashing (tests) (default: ${DEFAULT-VALUE})")
    String textEncoder;

    @Override
    public Integer call() {
        try {
            HybridTuner.Criterion chosenBy = HybridTuner.Criterion.parse(criterion);
            DatasetConfig datasetConfig = DatasetConfig.load(config);
            data = EvalCommand.dataFile(data, datasetConfig);
            Dataset dataset = DatasetLoader.load(data, datasetConfig, System.err::println);
            Instant fitEnd = TimeSplit.testStart(dataset, datasetConfig);
            Instant holdout = TimeSplit.holdoutStart(dataset, datasetConfig);
            TimeSplit.check(dataset, datasetConfig, holdout, false);
            int cap = datasetConfig.evaluation() == null ? TrainConfig.DEFAULT_HISTORY_CAP : datasetConfig.evaluation().historyCap();
            TrainConfig c = new TrainConfig(TrainConfig.DEFAULT_EMBEDDING_DIM, 0, new int[] {8}, new int[] {8}, 0.1f, 8,
                    TrainConfig.DEFAULT_MAX_TARGETS, 0.001f, 1, 1, 1, cap, TrainConfig.DEFAULT_CONTEXT_ONLY_SHARE,
                    TrainConfig.DEFAULT_FIRST_ITEM_SHARE, false, TrainConfig.DEFAULT_QUERY_SHARE, fitEnd, holdout, false);
            // Only the baskets, hold-out queries and ordinals are read: item text features are not needed.
            TrainingData td = new TrainingData(dataset, new HashingTextEncoder(8), c);
            String field = datasetConfig.evaluation() == null ? null : datasetConfig.evaluation().popularityField();
            Snapshot s = SnapshotLoader.load(dir, new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.EXACT), 1, 1, null),
                    line -> { });
            try {
                int n = td.itemCount();
                int dim = s.manifest().embeddingDim();
                float[][] items = new float[n][];
                int[] rowOf = new int[n];
                java.util.Map<String, Integer> bundleRows = new java.util.HashMap<>();
                for (int r = 0; r < s.bundle().items().size(); r++) bundleRows.put(s.bundle().items().get(r).itemId(), r);
                for (int i = 0; i < n; i++) {
                    String id = td.items().get(i).itemId();
                    int o = s.catalog().ordinalOf(id);
                    float[] v = o < 0 ? null : s.index().vector(o);
                    items[i] = v == null ? new float[dim] : v.clone();
                    rowOf[i] = bundleRows.getOrDefault(id, -1);
                }
                List<TrainingData.Query> queries = td.holdoutQueries();
                float[][] users = new float[queries.size()][];
                for (int q = 0; q < queries.size(); q++) {
                    List<String> history = new ArrayList<>();
                    for (int h : queries.get(q).history()) history.add(td.items().get(h).itemId());
                    UserContext user = new UserContext(td.queryContexts().get(q), td.queryTimes().get(q), history, null);
                    EncodedUser encoded = s.encoder().encode(user, s.history());
                    users[q] = Recommender.userVector(s, encoded);
                }
                float[][] titles;
                try (TrainCommand.Encoders enc = TrainCommand.Encoders.open(textEncoder)) {
                    titles = EvalRunner.titleVectors(enc.encoder, td.items());
                }
                HybridTuner.Outcome outcome = new HybridTuner(td, new TwoTowerTrainer.SelectionVectors(users, items), field, titles)
                        .tune(System.err, chosenBy);
                float[][] bundleTitles = new float[s.bundle().items().size()][];
                for (int i = 0; i < n; i++) if (rowOf[i] >= 0) bundleTitles[rowOf[i]] = titles[i];
                HybridSignals signals = TrainingRun.bundleSignals(td, field, s.bundle().items().size(), i -> rowOf[i])
                        .withText(TextNeighbours.of(bundleTitles, TextNeighbours.DEFAULT_PER_ITEM));
                ObjectNode h = outcome.toJson();
                h.set("signals", signals.describe());
                h.put("weights_chosen_with", "the bundle's own towers (mercury bundle hybridize): after a refit they have seen the hold-out");
                h.put("criterion", chosenBy.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                String v = version != null ? version : BundleWriter.versionFor(Instant.now());
                System.out.println(BundleWriter.publishWithHybrid(dir, artifacts, v, signals, h));
            } finally {
                s.retire();
            }
            return 0;
        } catch (BundleException | IOException | IllegalArgumentException e) {
            System.err.println("mercury bundle hybridize: " + e.getMessage());
            return 1;
        }
    }
}
