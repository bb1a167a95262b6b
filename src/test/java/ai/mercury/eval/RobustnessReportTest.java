package ai.mercury.eval;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The robustness page's rows and bar on a hand-written eval report. */
class RobustnessReportTest {
    @TempDir
    Path dir;

    static final String REPORT = """
            {"methods": {
              "popularity":   {"warm": {"queries": 300, "recall@100": 0.20, "ndcg@10": 0.05},
                               "cold_user_context": {"queries": 150, "recall@100": 0.15, "ndcg@10": 0.06},
                               "cold_item": {"queries": 40, "recall@100": 0.0}},
              "cooccurrence": {"warm": {"queries": 300, "recall@100": 0.30, "ndcg@10": 0.12},
                               "cold_user_context": {"queries": 150, "recall@100": 0.15, "ndcg@10": 0.06},
                               "cold_item": {"queries": 40, "recall@100": 0.0}},
              "text_knn":     {"cold_item": {"queries": 40, "recall@100": 0.30}},
              "model":        {"warm": {"queries": 300, "recall@100": 0.2950, "ndcg@10": 0.13},
                               "cold_user_context": {"queries": 150, "recall@100": 0.14, "ndcg@10": 0.07},
                               "cold_item": {"queries": 40, "recall@100": 0.10}},
              "model_exact":  {"warm": {"queries": 300, "recall@100": 0.99, "ndcg@10": 0.99}}},
             "dataset": {"rows_read": 10, "rows_kept": 9, "catalog_items": 5, "cold_items": 1, "users": 3, "fit_baskets": 4, "test_baskets": 2},
             "bundles": [{"training": {"hybrid": {"holdout_beats_best_baseline": false,
                          "holdout_losses_to_best_baseline": ["warm ndcg@10: 0.1 < cooccurrence 0.2"], "weights": {}}}}]}
            """;

    @Test
    void rows_compareTheModelWithTheBestBaselineAndHoldOnlyLargeSlices() throws Exception {
        JsonNode report = Json.MAPPER.readTree(REPORT);
        List<RobustnessReport.Row> rows = RobustnessReport.rows(report);
        assertEquals(3, rows.size());
        RobustnessReport.Row warm = rows.get(0);
        assertEquals("warm", warm.slice());
        assertEquals("cooccurrence", warm.bestRecallMethod());   // model_exact is the model, not a baseline
        assertEquals(0.30, warm.bestRecall(), 1e-12);
        assertFalse(warm.fails());                                // 0.295 ≥ 0.98 × 0.30 = 0.294
        RobustnessReport.Row context = rows.get(1);
        assertTrue(context.fails());                              // 0.14 < 0.147
        RobustnessReport.Row cold = rows.get(2);
        assertEquals("text_knn", cold.bestRecallMethod());
        assertFalse(cold.held());                                 // 40 queries: shown, not held to the bar
        assertFalse(cold.fails());
    }

    @Test
    void markdown_listsTheFailingSlicesAndTheHoldOutVerdict() throws Exception {
        Path f = dir.resolve("r.json");
        Files.writeString(f, REPORT);
        List<RobustnessReport.Variant> variants = List.of(new RobustnessReport.Variant("sparse", "15 % of the baskets", f));
        String md = RobustnessReport.markdown(variants);
        assertTrue(md.contains("| sparse | 2 | **cold_user_context** |"), md);
        assertTrue(md.contains("| cold_user_context | 150 | 0.1400 | popularity 0.1500 | 0.933 |"), md);
        assertTrue(md.contains("loses [\"warm ndcg@10"), md);
        assertEquals(List.of("sparse/cold_user_context"), RobustnessReport.failures(variants));
    }
}
