package ai.mercury.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.mercury.train.BatchBuilder.Batch;
import ai.mercury.train.BatchBuilder.Situation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training step embeds only the items its batch touches, and that is the same step as the
 * whole-catalog one: same loss, same gradient of every parameter. The reference batch is built
 * here from the situations themselves (history pooled over every catalog item by ordinal), not by
 * {@link BatchBuilder}, so a wrong position of a history item in the touched list fails the test.
 */
class TouchedItemsStepTest {

    @Test
    void step_embedsOnlyTouchedItems_andEqualsTheWholeCatalogStep() {
        TrainingData td = PseudoColdItemsTest.trainingData();
        TrainConfig config = TrainConfig.defaults().withSplit(PseudoColdItemsTest.HOLDOUT, PseudoColdItemsTest.END).withTextBlock(24, 8);
        int n = td.itemCount();
        BatchBuilder builder = new BatchBuilder(td, config, new Random(5));
        List<Situation> situations = new ArrayList<>();
        for (TrainingData.Example e : td.examples().subList(0, 48)) situations.add(builder.situation(e));
        assertTrue(situations.stream().anyMatch(s -> s.history().length > 0), "the batch has histories");
        Batch touched = builder.batch(situations);

        Set<Long> expected = new LinkedHashSet<>();
        for (Situation s : situations) for (int t : s.targets()) expected.add((long) t);
        assertEquals(expected.size(), touched.columns());
        for (Situation s : situations) for (int h : s.history()) expected.add((long) h);
        assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), touched.touchedItems(),
                "touched items: the distinct targets (columns), then the other history items");
        assertTrue(touched.touched() < n / 2, touched.touched() + " of " + n + " items touched");

        Batch whole = wholeCatalog(touched, situations, n);
        try (NDManager manager = Engine.getEngine(TwoTowerTrainer.ENGINE).newBaseManager();
             TwoTowerModel model = new TwoTowerModel(manager, td.spec(), td.textDim(), config, td.itemText())) {
            NDArray itemX = manager.create(TwoTowerTrainer.concatRows(td.itemInputs().values()));
            NDArray textBlock;
            try (NDArray text = manager.create(td.itemText())) {
                textBlock = model.textBlock(text);
            }
            float[] lq = new float[n];
            Random r = new Random(3);
            for (int i = 0; i < n; i++) lq[i] = (float) Math.log(0.1 + r.nextDouble()) - 5f;
            NDArray logQ = manager.create(lq);

            Step a = step(manager, model, itemX, textBlock, logQ, touched, td, config);
            Step b = step(manager, model, itemX, textBlock, logQ, whole, td, config);
            assertTrue(a.loss() > 0, "loss " + a.loss());
            assertEquals(b.loss(), a.loss(), 1e-5 * Math.abs(b.loss()), "loss: touched items vs whole catalog");
            double largest = 0;
            for (String name : b.gradients().keySet()) {
                float[] ga = a.gradients().get(name);
                float[] gb = b.gradients().get(name);
                double scale = 1e-12;
                double diff = 0;
                for (int i = 0; i < gb.length; i++) {
                    scale = Math.max(scale, Math.abs(gb[i]));
                    diff = Math.max(diff, Math.abs(ga[i] - gb[i]));
                }
                largest = Math.max(largest, scale);
                assertTrue(diff <= 1e-4 * scale + 1e-7, name + ": max gradient difference " + diff + " at scale " + scale);
            }
            assertTrue(largest > 1e-4, "the gradients are not all zero: " + largest);
        }
    }

    private record Step(float loss, Map<String, float[]> gradients) {}

    private static Step step(NDManager manager, TwoTowerModel model, NDArray itemX, NDArray textBlock, NDArray logQ, Batch batch,
                             TrainingData td, TrainConfig config) {
        Map<String, NDArray> params = model.parameters();
        float loss;
        try (NDManager sub = manager.newSubManager()) {
            params.values().forEach(p -> p.tempAttach(sub));
            itemX.tempAttach(sub);
            textBlock.tempAttach(sub);
            logQ.tempAttach(sub);
            try (GradientCollector gc = Engine.getEngine(TwoTowerTrainer.ENGINE).newGradientCollector()) {
                NDArray l = TwoTowerTrainer.sampledSoftmaxLoss(sub, model, itemX, textBlock, logQ, batch, config.temperature(),
                        td.headWidth(), td.textDim());
                gc.backward(l);
                loss = l.getFloat();
            }
        }
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            try (NDArray g = e.getValue().getGradient()) {
                gradients.put(e.getKey(), g.toFloatArray());
                g.subi(g);
            }
        }
        return new Step(loss, gradients);
    }

    /** The same batch over every catalog item, its pool built from the situations by item ordinal. */
    private static Batch wholeCatalog(Batch b, List<Situation> situations, int n) {
        long[] all = new long[n];
        Map<Long, Integer> position = new LinkedHashMap<>();
        int p = 0;
        for (long c : b.columnItems()) {
            position.put(c, p);
            all[p++] = c;
        }
        for (long i = 0; i < n; i++) {
            if (!position.containsKey(i)) {
                position.put(i, p);
                all[p++] = i;
            }
        }
        float[] pool = new float[b.users() * n];
        for (int u = 0; u < situations.size(); u++) {
            int[] history = situations.get(u).history();
            for (int h : history) pool[u * n + position.get((long) h)] += 1f / history.length;
        }
        return new Batch(b.users(), b.columns(), b.head(), pool, b.hasHistory(), b.query(), b.hasQuery(), all, b.negativeMask(),
                b.positiveWeight());
    }
}
