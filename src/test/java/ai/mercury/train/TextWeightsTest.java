package ai.mercury.train;

import ai.mercury.core.TowerInput;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.HashingTextEncoder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text weights set after training ({@link TwoTowerModel#setTextWeights}): the trainer's forward pass
 * and the exported user tower agree, one touched item gets the one-item weight, a diffuse history a weight
 * between that and the diffuse one, and {@link TwoTowerTrainer#balancedPair} picks the pair closest to
 * every slice's best.
 */
class TextWeightsTest {

    @Test
    void setTextWeights_trainerForwardMatchesExportedTower_andWeighsByConcentration() {
        TrainingData td = PseudoColdItemsTest.trainingData();
        TrainConfig config = TrainConfig.defaults().withSplit(PseudoColdItemsTest.HOLDOUT, PseudoColdItemsTest.END).withTextBlock(24, 8);
        try (NDManager manager = Engine.getEngine(TwoTowerTrainer.ENGINE).newBaseManager();
             TwoTowerModel model = new TwoTowerModel(manager, td.spec(), td.textDim(), config, td.itemText())) {
            float lambda = model.historyTextScale();
            model.setTextWeights(2f, 5f);
            assertEquals(5f * lambda, model.historyTextScale(), 1e-6);
            assertEquals(-3f * lambda, model.historyTextRaw(), 1e-6);

            TowerSpec spec = model.userSpec();
            int users = 40;
            int learned = model.learnedDim();
            SplittableRandom rnd = new SplittableRandom(9);
            Map<String, float[][]> in = new LinkedHashMap<>();
            for (TowerInput input : spec.inputs()) {
                float[][] x = new float[users][input.width()];
                for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = (float) rnd.nextDouble(-1, 1);
                in.put(input.name(), x);
            }
            float[][] history = in.get(FeatureSpec.INPUT_HISTORY);
            float[][] hasHistory = in.get(FeatureSpec.INPUT_HAS_HISTORY);
            for (int u = 0; u < users; u++) {
                hasHistory[u][0] = u % 4 == 0 ? 0f : 1f;
                double target = u % 4 == 0 ? 0 : u % 4 == 1 ? 1 : 0.5; // no history, one item, a diffuse history
                double sq = 0;
                for (int d = learned; d < history[u].length; d++) sq += history[u][d] * history[u][d];
                for (int d = learned; d < history[u].length; d++) history[u][d] *= (float) (target / Math.sqrt(sq));
            }
            float[][] exported = spec.forward(in);

            List<float[][]> headParts = new ArrayList<>();
            for (TowerInput input : spec.inputs()) {
                if (input.name().equals(FeatureSpec.INPUT_HISTORY)) break;
                headParts.add(in.get(input.name()));
            }
            float[][] head = TwoTowerTrainer.concatRows(headParts);
            float[][] trained;
            try (NDManager sub = manager.newSubManager()) {
                NDArray out = model.users(sub.create(head), sub.create(history), sub.create(hasHistory), null, null);
                trained = TwoTowerModel.matrix(out);
            }
            double max = 0;
            for (int u = 0; u < users; u++) {
                for (int d = 0; d < trained[u].length; d++) max = Math.max(max, Math.abs(trained[u][d] - exported[u][d]));
                double sq = 0;
                for (int d = learned; d < trained[u].length; d++) sq += trained[u][d] * trained[u][d];
                double expected = u % 4 == 0 ? 0 : u % 4 == 1 ? 2 * lambda : (2 * 0.5 + 5 * 0.5) * lambda;
                assertEquals(expected, Math.sqrt(sq), 1e-4, "text block norm of user " + u);
            }
            assertTrue(max <= 1e-5, "trainer vs exported user tower: max abs diff " + max);
        }
    }

    @Test
    void balancedPair_picksThePairClosestToEverySlicesBest() {
        float[] f = TwoTowerTrainer.TEXT_WEIGHT_FACTORS;
        List<List<HoldoutEvaluator.Metrics>> all = new ArrayList<>();
        for (int a = 0; a < f.length; a++) {
            List<HoldoutEvaluator.Metrics> row = new ArrayList<>();
            for (int b = 0; b < f.length; b++) {
                // warm best at (2, 2), cold best at (2, 8): (2, 6) is 1 % below both.
                double warm = 0.33 - 0.01 * Math.abs(f[a] - 2) - (b == 7 ? 0.02 : b == 6 ? 0.0033 : 0);
                double cold = 0.15 + (a == 3 && b == 7 ? 0.01 : a == 3 && b == 6 ? 0.0085 : 0);
                row.add(new HoldoutEvaluator.Metrics(Map.of("warm", warm, "cold_item", cold), Map.of("warm", 10, "cold_item", 10)));
            }
            all.add(row);
        }
        TwoTowerTrainer.TunedPair chosen = TwoTowerTrainer.balancedPair(all);
        assertEquals(2f, chosen.oneItem());
        assertEquals(6f, chosen.diffuse());
    }
}
