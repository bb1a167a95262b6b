package ai.mercury.model;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexParams;
import ai.mercury.testing.FixtureBundle;
import ai.mercury.testing.OverflowBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bundle validation rejects towers that give NaN/Infinity for some inputs; the serving path never returns one. */
class OutputCheckTest {
    private static final SnapshotLoader.Options OPTIONS = new SnapshotLoader.Options(IndexParams.DEFAULTS, 1, 2, null);

    @TempDir
    Path artifacts;

    @Test
    void towerOverflowingForOneCountry_isRejectedWithNonFiniteOutput() throws Exception {
        Path dir = BundleWriter.publish(artifacts, OverflowBundle.franceOverflows("20260301T000000Z"));
        List<String> log = new ArrayList<>();
        BundleException e = assertThrows(BundleException.class, () -> SnapshotLoader.load(dir, OPTIONS, log::add));
        assertEquals("non_finite_output", e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("country=France"), e.getMessage());
    }

    @Test
    void fixture_passesTheCheck_andSaysWhatItCovered() throws Exception {
        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content("20260301T000001Z"));
        List<String> log = new ArrayList<>();
        Snapshot s = SnapshotLoader.load(dir, OPTIONS, log::add);
        try {
            // 2 fields: (1 + 3) + (1 + 2) values × 42 times, plus one history row per item
            int users = 7 * OutputCheck.times().size() + FixtureBundle.ITEMS.size();
            assertTrue(log.stream().anyMatch(l -> l.startsWith("output check:") && l.contains(" " + users + " user inputs")), log.toString());
        } finally {
            s.retire();
        }
    }

    @Test
    void overflowOnlyForAContextCombination_passesValidation_butRecommendThrowsInsteadOfReturningNaN() throws Exception {
        Path dir = BundleWriter.publish(artifacts, OverflowBundle.franceOnMobileOverflows("20260301T000002Z"));
        Snapshot s = SnapshotLoader.load(dir, OPTIONS, l -> { });
        try {
            Instant t = Instant.parse("2026-03-01T12:00:00Z");
            Recommendation fine = Recommender.recommend(s, query(Map.of("country", "France"), t));
            assertTrue(fine.items().stream().allMatch(i -> Float.isFinite(i.score())), fine.toString());
            ModelOutputException e = assertThrows(ModelOutputException.class,
                    () -> Recommender.recommend(s, query(Map.of("country", "France", "device", "mobile"), t)));
            assertEquals("20260301T000002Z", e.version());
        } finally {
            s.retire();
        }
    }

    private static RecommendQuery query(Map<String, String> context, Instant t) {
        return new RecommendQuery(new UserContext(context, t, List.of(), null), 5, Filters.NONE);
    }
}
