package ai.mercury.eval;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every metric on hand-made rankings. */
class MetricsTest {
    static final double LOG2_3 = Math.log(3) / Math.log(2);

    @Test
    void recall_countsHitsInTopK_overAllTargets() {
        List<String> r = List.of("a", "b", "c", "d");
        assertEquals(1.0 / 3, Metrics.recall(r, Set.of("b", "d", "x"), 2), 1e-12);
        assertEquals(0.0, Metrics.recall(r, Set.of("b", "d", "x"), 1), 1e-12);
        assertEquals(2.0 / 3, Metrics.recall(r, Set.of("b", "d", "x"), 10), 1e-12, "K larger than the list counts what the list has");
    }

    @Test
    void ndcg_binaryGains_idealOverMinOfTargetsAndK() {
        List<String> r = List.of("a", "b", "c");
        // hits at ranks 1 and 3: DCG = 1 + 1/log2(4); ideal for 2 targets = 1 + 1/log2(3)
        assertEquals((1 + 0.5) / (1 + 1 / LOG2_3), Metrics.ndcg(r, Set.of("a", "c"), 10), 1e-12);
        assertEquals(1.0, Metrics.ndcg(List.of("x", "y"), Set.of("x", "y"), 10), 1e-12);
        // one hit at rank 2 among 3 targets, list shorter than K
        assertEquals((1 / LOG2_3) / (1 + 1 / LOG2_3 + 0.5), Metrics.ndcg(r, Set.of("b", "y", "z"), 10), 1e-12);
        // more targets than K: ideal has K hits, a perfect top K scores 1
        List<String> twelve = List.of("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11");
        assertEquals(1.0, Metrics.ndcg(twelve, Set.copyOf(twelve), 10), 1e-12);
        assertEquals(0.0, Metrics.ndcg(r, Set.of("z"), 10), 1e-12);
    }

    @Test
    void hitRate_isOneWhenAnyTargetInTopK() {
        List<String> r = List.of("a", "b", "c");
        assertEquals(1.0, Metrics.hitRate(r, Set.of("c", "a"), 10));
        assertEquals(0.0, Metrics.hitRate(r, Set.of("c"), 2));
        assertEquals(0.0, Metrics.hitRate(List.of(), Set.of("c"), 10));
    }

    @Test
    void coverage_isUnionOfTopKOverCatalog_catalogItemsOnly() {
        Set<String> catalog = Set.of("a", "b", "c", "d");
        assertEquals(0.5, Metrics.coverage(List.of(List.of("a", "x"), List.of("b", "a")), catalog, 1), 1e-12);
        assertEquals(0.5, Metrics.coverage(List.of(List.of("a", "zz"), List.of("b")), catalog, 10), 1e-12, "zz is no catalog item");
    }

    @Test
    void emptyTargets_areRejected() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.recall(List.of("a"), Set.of(), 10));
        assertThrows(IllegalArgumentException.class, () -> Metrics.ndcg(List.of("a"), Set.of(), 10));
        assertThrows(IllegalArgumentException.class, () -> Metrics.hitRate(List.of("a"), Set.of(), 10));
    }

    static EvalQuery q(int i, Slice s, List<String> targets, List<String> cold) {
        return new EvalQuery(i, s, "b" + i, "u", Instant.EPOCH, Map.of(), List.of(), targets, cold);
    }

    @Test
    void scoring_meansPerSlice_coldItemOverQueriesWithColdTargetsOnly() {
        List<EvalQuery> queries = List.of(
                q(0, Slice.WARM, List.of("a", "b"), List.of()),
                q(1, Slice.WARM, List.of("c"), List.of("c")),
                q(2, Slice.COLD_USER_CONTEXT, List.of("d", "n"), List.of("n")));
        List<List<String>> rankings = List.of(List.of("a", "x"), List.of("c"), List.of("x", "d"));
        Map<Slice, SliceResult> r = Scoring.score(queries, rankings, Set.of("a", "b", "c", "d", "n", "x"));
        assertEquals(2, r.get(Slice.WARM).queries());
        assertEquals((0.5 + 1.0) / 2, r.get(Slice.WARM).recall10(), 1e-12);
        assertEquals((1.0 + 1.0) / 2, r.get(Slice.WARM).hitRate10(), 1e-12);
        assertEquals(3.0 / 6, r.get(Slice.WARM).coverage10(), 1e-12);
        assertEquals(0.5, r.get(Slice.COLD_USER_CONTEXT).recall100(), 1e-12);
        assertEquals(0, r.get(Slice.COLD_USER_FIRST_ITEM).queries());
        assertTrue(Double.isNaN(r.get(Slice.COLD_USER_FIRST_ITEM).recall100()), "an empty slice has no figures");
        // cold_item: query 1 (cold c found) and query 2 (cold n missed), not query 0
        assertEquals(2, r.get(Slice.COLD_ITEM).queries());
        assertEquals(0.5, r.get(Slice.COLD_ITEM).recall100(), 1e-12);
    }

    @Test
    void overlap_isAnnRecallAgainstTheReferenceList() {
        assertEquals((1.0 + 0.5) / 2, Scoring.overlap(List.of(List.of("a", "b"), List.of("c", "x")),
                List.of(List.of("b", "a"), List.of("c", "d")), 100), 1e-12);
    }
}
