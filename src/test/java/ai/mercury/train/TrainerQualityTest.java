package ai.mercury.train;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.feature.HashingTextEncoder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A short training run on a slice of Online Retail (July–October 2011, October held out) lowers the
 * loss and beats popularity on its own hold-out. Skips when ../shared/data is absent.
 */
class TrainerQualityTest {
    static final Path DATA = Path.of("..", "shared", "data", "online-retail", "online_retail.csv.gz");

    @Test
    void shortRun_lowersLoss_andBeatsPopularityOnItsHoldout() throws Exception {
        assumeTrue(Files.isRegularFile(DATA), "skipped: " + DATA.toAbsolutePath().normalize() + " is absent (the shared Online Retail data)");
        DatasetConfig datasetConfig = DatasetConfig.load(Path.of(DatasetConfig.DEFAULT_CONFIG));
        Dataset full = DatasetLoader.load(DATA, datasetConfig);
        Instant from = Instant.parse("2011-07-01T00:00:00Z");
        List<Basket> slice = full.baskets().stream().filter(b -> !b.time().isBefore(from)).toList();
        Dataset data = new Dataset(full.name(), full.sha256(), full.items(), slice, full.report());
        TrainConfig config = new TrainConfig(64, 32, new int[] {128}, new int[] {128}, 0.07, 256, 32, 2e-3, 6, 6, 42L, 50,
                0.15, 0.3, false, 0.0, datasetConfig.split().testStart(), Instant.parse("2011-10-01T00:00:00Z"), false);
        TrainingData td = new TrainingData(data, new HashingTextEncoder(384), config);
        TwoTowerTrainer.Result result = new TwoTowerTrainer(td, config, null).train();

        List<TwoTowerTrainer.EpochStats> epochs = result.epochs();
        double first = epochs.get(0).loss();
        double last = epochs.get(epochs.size() - 1).loss();
        assertTrue(last < first, "loss went from " + first + " to " + last);

        HoldoutEvaluator.Metrics popularity = popularity(td);
        double model = userSlices(result.bestHoldout());
        double pop = userSlices(popularity);
        assertTrue(model > pop, "hold-out recall@100 over the user slices: model " + model + " (" + result.bestHoldout()
                + "), popularity " + pop + " (" + popularity + ")");
    }

    /** Items ranked by the number of training baskets holding them, the same list for every query. */
    static HoldoutEvaluator.Metrics popularity(TrainingData td) {
        int n = td.itemCount();
        float[] counts = new float[n];
        for (TrainingData.Example e : td.examples()) {
            if (e.holdout()) continue;
            for (int i : e.items()) counts[i]++;
        }
        int q = td.holdoutQueries().size();
        float[] scores = new float[q * n];
        for (int k = 0; k < q; k++) System.arraycopy(counts, 0, scores, k * n, n);
        return new HoldoutEvaluator(td, 100).evaluate(scores);
    }

    private static double userSlices(HoldoutEvaluator.Metrics m) {
        return (m.recall().get("warm") + m.recall().get("cold_user_context") + m.recall().get("cold_user_first_item")) / 3;
    }
}
