package ai.mercury.model;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommendation.ScoredItem;
import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property test over random catalogs: the fixture bundle grown by hundreds of live items (random
 * vectors, prices, categories, stock) with random deletes, then random filters. No result may
 * violate a filter; a page is short only when fewer than k items qualify; on the exact index the
 * page is exactly the best k qualifying items.
 */
class LiveCatalogFiltersTest {
    private static final List<String> CATEGORIES = List.of("home", "bags", "kitchen", "garden", "toys");

    @ParameterizedTest
    @EnumSource(value = IndexKind.class, names = {"EXACT", "HNSW"})
    void randomFiltersOverRandomLiveCatalogs(IndexKind kind, @TempDir Path artifacts) throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        Random random = new Random(kind.ordinal() * 31L + 5);
        for (int catalogRound = 0; catalogRound < 4; catalogRound++) {
            Snapshot s = SnapshotLoader.load(dir, new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(kind), 1, 1, null), l -> { });
            try {
                grow(s, random, 100 + random.nextInt(400));
                for (int trial = 0; trial < 100; trial++) check(s, random, catalogRound * 1000 + trial);
            } finally {
                s.retire();
            }
        }
    }

    /** Adds {@code n} random live items and deletes about a fifth of all items, as the live writer would. */
    private static void grow(Snapshot s, Random random, int n) {
        int dim = s.index().dimensions();
        for (int i = 0; i < n; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) v[d] = (float) random.nextGaussian();
            CatalogItem item = new CatalogItem("L" + i, "Live " + i, Math.round(random.nextDouble() * 2000) / 100.0,
                    random.nextInt(6) == 0 ? null : CATEGORIES.get(random.nextInt(CATEGORIES.size())), random.nextInt(4) != 0, null);
            int ordinal = s.catalog().ordinalLimit();
            s.index().add(ordinal, v);
            s.catalog().append(item);
        }
        for (int o = 0; o < s.catalog().ordinalLimit(); o++) {
            if (random.nextInt(5) == 0 && s.catalog().item(o) != null) {
                s.index().remove(o);
                s.catalog().remove(o);
            }
        }
    }

    private static void check(Snapshot s, Random random, int trial) {
        List<CatalogItem> live = s.catalog().items();
        Set<String> exclude = new HashSet<>();
        for (CatalogItem item : live) if (random.nextInt(10) == 0) exclude.add(item.itemId());
        Set<String> cats = new HashSet<>();
        for (String c : CATEGORIES) if (random.nextInt(3) == 0) cats.add(random.nextBoolean() ? c : c.toUpperCase());
        Double min = random.nextBoolean() ? null : random.nextDouble() * 15;
        Double max = random.nextBoolean() ? null : (min == null ? 0 : min) + random.nextDouble() * 10;
        Filters filters = new Filters(exclude, cats, min, max, random.nextBoolean());
        int k = 1 + random.nextInt(random.nextBoolean() ? 20 : 200);
        UserContext user = new UserContext(Map.of("country", random.nextBoolean() ? "France" : "Germany"),
                Instant.ofEpochSecond(1_320_000_000L + random.nextInt(10_000_000)), List.of(), null);
        Recommendation r = Recommender.recommend(s, new RecommendQuery(user, k, filters));
        List<ScoredItem> page = r.items();

        List<CatalogItem> qualifying = live.stream().filter(filters::accepts).toList();
        assertEquals(Math.min(k, qualifying.size()), page.size(), "trial " + trial + ": " + filters);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < page.size(); i++) {
            ScoredItem item = page.get(i);
            assertTrue(filters.accepts(item.item()), "trial " + trial + " leaked " + item.item().itemId());
            assertTrue(ids.add(item.item().itemId()), "duplicate " + item.item().itemId());
            if (i > 0) assertTrue(item.score() <= page.get(i - 1).score(), "best first");
        }
        if (s.index().kind().equals("exact")) {
            float[] u = Recommender.userVector(s, s.encoder().encode(user, s.history()));
            List<String> expected = qualifying.stream()
                    .sorted(Comparator.comparingDouble((CatalogItem c) -> -dot(s, c, u)).thenComparingInt(c -> s.catalog().ordinalOf(c.itemId())))
                    .limit(k).map(CatalogItem::itemId).toList();
            assertEquals(expected, page.stream().map(p -> p.item().itemId()).toList(), "trial " + trial + ": the exact best k");
        }
    }

    private static double dot(Snapshot s, CatalogItem c, float[] u) {
        float[] v = s.index().vector(s.catalog().ordinalOf(c.itemId()));
        float sum = 0;
        for (int d = 0; d < u.length; d++) sum += v[d] * u[d];
        return sum;
    }
}
