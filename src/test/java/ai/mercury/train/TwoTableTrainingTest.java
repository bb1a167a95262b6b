package ai.mercury.train;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.ItemRecord;
import ai.mercury.data.TimeSplit;
import ai.mercury.feature.HashingTextEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/training.md's "train on your own data" example, end to end and small: the tiny-shop catalog and
 * event log train through the config alone (derived split) into a bundle that lists every catalog
 * item, the never-bought ones included.
 */
class TwoTableTrainingTest {
    @TempDir
    Path artifacts;

    @Test
    void tinyShop_trainsFromTwoTables_andTheBundleListsTheWholeCatalog() throws Exception {
        DatasetConfig config = DatasetConfig.load(Path.of("conf/datasets/examples/tiny-shop/shop.json"));
        Dataset data = DatasetLoader.load(null, config, line -> { });
        Instant fitEnd = TimeSplit.testStart(data, config);
        Instant holdout = TimeSplit.holdoutStart(data, config);
        TimeSplit.check(data, config, holdout, true);
        TrainConfig c = new TrainConfig(32, 8, new int[] {32}, new int[] {32}, 0.07, 32, 8, 2e-3, 3, 2, 1L, 50,
                0.15, 0.3, false, 0.0, fitEnd, holdout, true);
        TrainingRun.Outcome out = TrainingRun.run(data, null, new HashingTextEncoder(384), c, artifacts, "20240101T000000Z",
                "test", null);
        Bundle bundle = BundleReader.read(out.bundle());
        Set<String> listed = bundle.items().stream().map(i -> i.itemId()).collect(Collectors.toSet());
        assertEquals(data.items().stream().map(ItemRecord::itemId).collect(Collectors.toSet()), listed);
        assertTrue(data.items().stream().anyMatch(i -> i.firstSeen() == null), "the example has products nobody touched");
        assertEquals(64, bundle.itemVectors().count());
        assertEquals("tiny-shop", bundle.manifest().training().path("dataset").asText());
        // The simple methods on the same hold-out, beside the model's figures.
        for (String method : new String[] {"popularity", "cooccurrence"}) {
            com.fasterxml.jackson.databind.JsonNode warm = bundle.manifest().training().path("holdout_baselines_recall@100").path(method).path("warm");
            assertTrue(warm.isNumber() && warm.asDouble() >= 0 && warm.asDouble() <= 1, method + ": " + warm);
        }
        // The hybrid: its count files, the weights chosen on the hold-out, its figures against the baselines and the verdict.
        assertTrue(bundle.manifest().files().containsKey("cooccurrence.npy") && bundle.manifest().files().containsKey("popularity.npy"));
        com.fasterxml.jackson.databind.JsonNode hybrid = bundle.manifest().training().path("hybrid");
        for (String kind : new String[] {"no_history", "one_item", "long_history"}) {
            assertTrue(hybrid.path("weights").path(kind).path("cooccurrence").isNumber(), kind + ": " + hybrid.path("weights"));
        }
        for (String method : new String[] {"hybrid", "model", "popularity", "cooccurrence"}) {
            assertTrue(hybrid.path("holdout").path(method).path("warm").path("ndcg@10").isNumber(), method + ": " + hybrid.path("holdout"));
        }
        assertTrue(hybrid.path("holdout_beats_best_baseline").isBoolean());
        assertEquals(50, hybrid.path("signals").path("neighbours_per_item").asInt());
    }
}
