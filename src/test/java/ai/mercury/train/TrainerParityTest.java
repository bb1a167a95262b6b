package ai.mercury.train;

import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.GeneratedShop;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trainer ↔ serving parity: 1,000 users through the trainer's own forward pass (PyTorch, history
 * pooled from the item tower's outputs) and through the published bundle on the serving path
 * (FeatureEncoder over item_vectors.npy, then the ONNX user tower) agree within 1e-4. The dataset
 * is the generated shop (another schema, a category, two context fields), read through its config,
 * and the model reads query text, so every input of both towers is exercised.
 */
class TrainerParityTest {
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void trainerForward_matchesServedOnnxTowers_onThousandUsers() throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 11);
        DatasetConfig datasetConfig = DatasetConfig.load(shop.config);
        Dataset dataset = DatasetLoader.load(shop.csv, datasetConfig);
        TextEncoder text = new HashingTextEncoder(48);
        Instant fitEnd = datasetConfig.split().testStart();
        TrainConfig config = new TrainConfig(24, 8, new int[] {16}, new int[] {16}, 0.1, 16, 8, 1e-2, 2, 2, 7L, 10,
                0.2, 0.3, true, 0.3, fitEnd, fitEnd.minusSeconds(20L * 86_400), true);
        List<UserContext> users = users(dataset, new Random(3));
        AtomicReference<float[][]> trainerUsers = new AtomicReference<>();
        AtomicReference<float[][]> trainerItems = new AtomicReference<>();
        TrainingRun.Outcome outcome = TrainingRun.run(dataset, shop.csv, text, config, dir.resolve("artifacts"), "v1", "test", null,
                pass -> {
                    trainerItems.set(pass.items());
                    trainerUsers.set(pass.users(users));
                });
        assertTrue(outcome.result().userTower().residuals().size() == 2, "history and query residual paths are exported");

        Snapshot s = SnapshotLoader.load(outcome.bundle(), new SnapshotLoader.Options(IndexParams.DEFAULTS, 1, 1, text), line -> { });
        try {
            FeatureSpec spec = s.manifest().featureSpec();
            assertEquals(List.of("device", "region"), spec.context().stream().map(FeatureSpec.ContextField::name).sorted().toList());
            assertTrue(spec.item().category() != null && spec.queryEnabled());

            float[] served = s.bundle().itemVectors().data();
            int dim = s.manifest().embeddingDim();
            double itemDiff = 0;
            for (int i = 0; i < trainerItems.get().length; i++) {
                for (int d = 0; d < dim; d++) itemDiff = Math.max(itemDiff, Math.abs(trainerItems.get()[i][d] - served[i * dim + d]));
            }
            assertTrue(itemDiff <= TOLERANCE, "item vectors differ by " + itemDiff);

            double userDiff = 0;
            for (int u = 0; u < users.size(); u++) {
                EncodedUser encoded = s.encoder().encode(users.get(u), s.catalog()::ordinalOf);
                float[] v = Recommender.userVector(s, encoded);
                for (int d = 0; d < dim; d++) userDiff = Math.max(userDiff, Math.abs(v[d] - trainerUsers.get()[u][d]));
            }
            assertTrue(userDiff <= TOLERANCE, "user vectors differ by " + userDiff + " (max abs over 1,000 users)");
        } finally {
            s.retire();
        }
    }

    /** Context only, one item touched, long histories with unknown ids, unknown context values, queries. */
    static List<UserContext> users(Dataset dataset, Random rnd) {
        List<String> ids = dataset.items().stream().map(ItemRecord::itemId).toList();
        String[] devices = {"desktop", "mobile", "tablet", "watch", null};
        String[] regions = {"north", "south", "east", "atlantis", null};
        List<UserContext> users = new ArrayList<>();
        for (int u = 0; u < 1000; u++) {
            Map<String, String> context = new HashMap<>();
            String device = devices[rnd.nextInt(devices.length)];
            String region = regions[rnd.nextInt(regions.length)];
            if (device != null) context.put("device", device);
            if (region != null) context.put("region", region);
            int kind = u % 3;
            int length = kind == 0 ? 0 : kind == 1 ? 1 : 2 + rnd.nextInt(30);
            List<String> history = new ArrayList<>();
            for (int h = 0; h < length; h++) history.add(rnd.nextInt(10) == 0 ? "NOPE" + h : ids.get(rnd.nextInt(ids.size())));
            String query = rnd.nextInt(4) == 0 ? dataset.items().get(rnd.nextInt(ids.size())).title() : null;
            users.add(new UserContext(context, Instant.parse("2024-01-01T00:00:00Z").plusSeconds(rnd.nextInt(90 * 86_400)), history, query));
        }
        return users;
    }
}
