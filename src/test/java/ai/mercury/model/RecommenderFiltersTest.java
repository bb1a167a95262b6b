package ai.mercury.model;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommendation.ScoredItem;
import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Property test: random filters never leak a non-qualifying item, and pages are full whenever k items qualify. */
class RecommenderFiltersTest {
    static Snapshot exact;
    static Snapshot hnsw;

    @BeforeAll
    static void load(@TempDir Path artifacts) throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        exact = SnapshotLoader.load(dir, new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.EXACT), 1, 1, null), l -> { });
        hnsw = SnapshotLoader.load(dir, new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.HNSW), 1, 1, null), l -> { });
    }

    @AfterAll
    static void close() {
        exact.retire();
        hnsw.retire();
    }

    @ParameterizedTest
    @EnumSource(value = IndexKind.class, names = {"EXACT", "HNSW"})
    void randomFilters_neverViolated_andPagesFullWhenPossible(IndexKind kind) {
        Snapshot s = kind == IndexKind.EXACT ? exact : hnsw;
        Random random = new Random(11);
        List<String> categories = List.of("home", "bags", "kitchen", "garden");
        for (int trial = 0; trial < 300; trial++) {
            Set<String> exclude = new HashSet<>();
            for (CatalogItem item : FixtureBundle.ITEMS) if (random.nextInt(4) == 0) exclude.add(item.itemId());
            Set<String> cats = new HashSet<>();
            for (String c : categories) if (random.nextInt(3) == 0) cats.add(c);
            Double min = random.nextBoolean() ? null : random.nextDouble() * 5;
            Double max = random.nextBoolean() ? null : (min == null ? 0 : min) + random.nextDouble() * 8;
            Filters filters = new Filters(exclude, cats, min, max, false);
            int k = 1 + random.nextInt(12);
            UserContext user = new UserContext(Map.of("country", random.nextBoolean() ? "France" : "Germany"),
                    Instant.ofEpochSecond(1_320_000_000L + random.nextInt(10_000_000)), List.of(), null);
            List<ScoredItem> page = Recommender.recommend(s, new RecommendQuery(user, k, filters)).items();

            long qualifying = FixtureBundle.ITEMS.stream().filter(filters::accepts).count();
            assertEquals(Math.min(k, qualifying), page.size(), "trial " + trial + ": " + filters);
            List<String> ids = new ArrayList<>();
            for (ScoredItem item : page) {
                assertTrue(filters.accepts(item.item()), "trial " + trial + " leaked " + item.item().itemId());
                ids.add(item.item().itemId());
            }
            assertEquals(ids.size(), new HashSet<>(ids).size(), "no duplicates");
        }
    }
}
