package ai.mercury.train;

import ai.mercury.bundle.HybridBlend.Weights;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bar criterion's shortfall: relative, per slice and metric, weighted by the slice's share of queries; cold items apart, against text_knn. */
class HybridTunerShortfallTest {
    private static HybridTuner.Tally tally(String slice, int queries, double recall, double ndcg) {
        HybridTuner.Tally t = new HybridTuner.Tally();
        for (int q = 0; q < queries; q++) t.add(slice, recall, ndcg);
        return t;
    }

    @Test
    void shortfall_countsOnlyWhereTheHybridIsBelowTheBestBaseline() {
        HybridTuner.Tally hybrid = tally("warm", 30, 0.27, 0.20);
        for (int q = 0; q < 10; q++) hybrid.add("cold_user_first_item", 0.20, 0.10);
        for (int q = 0; q < 5; q++) hybrid.add("cold_item", 0.0, 0);
        HybridTuner.Tally cooc = tally("warm", 30, 0.30, 0.15);
        for (int q = 0; q < 10; q++) cooc.add("cold_user_first_item", 0.25, 0.05);
        HybridTuner.Tally pop = tally("warm", 30, 0.10, 0.05);
        for (int q = 0; q < 10; q++) pop.add("cold_user_first_item", 0.10, 0.12);
        Map<String, HybridTuner.Tally> baselines = Map.of("cooccurrence", cooc, "popularity", pop);
        // warm recall: 10 % short, 30 of 40 queries; first item recall: 20 % short and ndcg (vs popularity 0.12) 1/6 short, 10 of 40.
        double expected = 0.1 * 0.75 + (0.2 + 1 / 6.0) * 0.25;
        assertEquals(expected, HybridTuner.shortfall(hybrid, baselines), 1e-9);
        // cooccurrence against popularity: only first-item ndcg is short, (0.12 - 0.05) / 0.12 on 10 of 40 queries.
        assertEquals(0.07 / 0.12 * 0.25, HybridTuner.shortfall(cooc, Map.of("popularity", pop)), 1e-9);
        assertEquals(0, HybridTuner.shortfall(cooc, Map.of("popularity", tally("warm", 30, 0.1, 0.05))), 1e-12);
        assertEquals(0, HybridTuner.shortfall(hybrid, Map.of()), 1e-12);
    }

    @Test
    void choice_leavesOffASourceThatGainsLessThanTheMargin_butNeverAtTheCostOfShortfall() {
        HybridTuner.Choice c = new HybridTuner.Choice(Weights.MODEL_ONLY, 2.0, 0.02);
        c.offer(new Weights(0, 0.01f, 0.5f), 2.0 + HybridTuner.SOURCE_MARGIN / 2, 0.02);
        assertEquals(Weights.MODEL_ONLY, c.weights, "popularity gains less than the margin: the model alone");
        c.offer(new Weights(0.1f, 0, 0.5f), 2.05, 0.02);
        c.offer(new Weights(0.1f, 0.01f, 0.5f), 2.05 + HybridTuner.SOURCE_MARGIN / 2, 0.02);
        assertEquals(new Weights(0.1f, 0, 0.5f), c.weights, "co-occurrence alone is within the margin of both");
        c.offer(new Weights(0.1f, 0.02f, 0.5f), 2.05 + 2 * HybridTuner.SOURCE_MARGIN, 0.02);
        assertEquals(new Weights(0.1f, 0.02f, 0.5f), c.weights, "a second source that gains more than the margin");
        c.offer(new Weights(0.2f, 0, 1f), 2.05 + 1.5 * HybridTuner.SOURCE_MARGIN, 0.02);
        assertEquals(new Weights(0.2f, 0, 1f), c.weights, "one source again within the margin of the best");
        c.offer(new Weights(0.4f, 0.1f, 1f), 1.5, 0);
        assertEquals(new Weights(0.4f, 0.1f, 1f), c.weights, "less shortfall first, whatever the sources and gain");
        assertEquals(1.5, c.score, 1e-12);
    }

    /** Cold items of one kind: {@code queries} queries with the given recall, added to cold_item too. */
    private static void cold(HybridTuner.Tally t, HybridTuner.ColdKind kind, int queries, double recall) {
        for (int q = 0; q < queries; q++) {
            t.add(HybridTuner.COLD_ITEM, recall, 0);
            t.addCold(kind, recall);
        }
    }

    @Test
    void coldShortfall_isTheWorseKindOfColdItem_whenItHasEnoughQueries() {
        int enough = HybridTuner.MIN_COLD_KIND_QUERIES;
        // Towers ahead on the pseudo-cold items, behind on the new ones; ahead on the two together (0.13 vs 0.075).
        HybridTuner.Tally model = new HybridTuner.Tally();
        cold(model, HybridTuner.ColdKind.PSEUDO, enough, 0.24);
        cold(model, HybridTuner.ColdKind.NEW, enough, 0.02);
        HybridTuner.Tally text = new HybridTuner.Tally();
        cold(text, HybridTuner.ColdKind.PSEUDO, enough, 0.09);
        cold(text, HybridTuner.ColdKind.NEW, enough, 0.06);
        Map<String, HybridTuner.Tally> baselines = Map.of(HybridTuner.TEXT_KNN, text);
        assertEquals((0.06 - 0.02) / 0.06, HybridTuner.coldShortfall(model, baselines), 1e-9);

        // Too few new items to tell: the cold items together decide, as before.
        HybridTuner.Tally fewModel = new HybridTuner.Tally();
        cold(fewModel, HybridTuner.ColdKind.PSEUDO, enough, 0.24);
        cold(fewModel, HybridTuner.ColdKind.NEW, enough - 1, 0.02);
        HybridTuner.Tally fewText = new HybridTuner.Tally();
        cold(fewText, HybridTuner.ColdKind.PSEUDO, enough, 0.09);
        cold(fewText, HybridTuner.ColdKind.NEW, enough - 1, 0.06);
        assertEquals(0, HybridTuner.coldShortfall(fewModel, Map.of(HybridTuner.TEXT_KNN, fewText)), 1e-12);

        // Behind on the cold items together and on no kind alone with enough queries: the together figure.
        HybridTuner.Tally behind = new HybridTuner.Tally();
        cold(behind, HybridTuner.ColdKind.PSEUDO, 3, 0.03);
        HybridTuner.Tally textBehind = new HybridTuner.Tally();
        cold(textBehind, HybridTuner.ColdKind.PSEUDO, 3, 0.06);
        assertEquals(0.5, HybridTuner.coldShortfall(behind, Map.of(HybridTuner.TEXT_KNN, textBehind)), 1e-9);
        assertEquals(0, HybridTuner.coldShortfall(model, Map.of()), 1e-12, "no text_knn: nothing to hold the cold items to");
    }

    @Test
    void criterion_parses() {
        assertEquals(HybridTuner.Criterion.BAR, HybridTuner.Criterion.parse("bar"));
        assertEquals(HybridTuner.Criterion.MODEL_GAIN, HybridTuner.Criterion.parse("model-gain"));
        assertThrows(IllegalArgumentException.class, () -> HybridTuner.Criterion.parse("best"));
    }
}
