package ai.mercury.model;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.HybridBlend;
import ai.mercury.bundle.HybridSignals;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommendation.ScoredItem;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle with the hybrid's files served end to end (real towers, index and ranker). */
class HybridServingTest {
    static final SnapshotLoader.Options EXACT = new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.EXACT), 1, 1, null);
    static final SnapshotLoader.Options HNSW = new SnapshotLoader.Options(IndexParams.DEFAULTS.withKind(IndexKind.HNSW), 1, 1, null);

    /** A001 and C004 always bought together; the B items popular in France; C003 never bought (no data yet). */
    static HybridSignals signals() {
        List<int[]> baskets = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            baskets.add(new int[] {0, 11});
            values.add("Germany");
        }
        for (int i = 0; i < 30; i++) {
            baskets.add(new int[] {4, 5, 6, 7});
            values.add("France");
        }
        for (int i = 0; i < 12; i++) {
            baskets.add(new int[] {1, 2, 3, 8, 9});
            values.add("United Kingdom");
        }
        return HybridSignals.count(FixtureBundle.ITEMS.size(), baskets, values, "country", 5);
    }

    static Path publish(Path artifacts, HybridBlend blend) throws Exception {
        BundleWriter.Content c = FixtureBundle.content("20260101T000001Z");
        HybridSignals s = signals();
        ObjectNode training = Json.MAPPER.createObjectNode();
        ObjectNode h = training.putObject("hybrid");
        h.set("signals", s.describe());
        h.set("weights", blend.toJson());
        h.put("holdout_beats_best_baseline", true);
        BundleWriter.Content withTraining = new BundleWriter.Content(c.version(), c.featureSpec(), c.textEncoder(), c.userTower(),
                c.itemTower(), c.items(), c.itemVectors(), training, null);
        return BundleWriter.publish(artifacts, withTraining, null, s);
    }

    static List<String> ids(Snapshot s, List<String> history, String country, int k, Filters filters) {
        UserContext user = new UserContext(Map.of("country", country), Instant.parse("2011-11-05T10:00:00Z"), history, null);
        List<String> out = new ArrayList<>();
        for (ScoredItem item : Recommender.recommend(s, new RecommendQuery(user, k, filters)).items()) out.add(item.item().itemId());
        return out;
    }

    @Test
    void cooccurrenceNeighbour_namesTheItemBoughtWith_orMinusOne(@TempDir Path artifacts) throws Exception {
        Path dir = publish(artifacts, HybridBlend.MODEL_ONLY);
        Snapshot s = SnapshotLoader.load(dir, EXACT, l -> { });
        try {
            var catalog = s.catalog();
            int a001 = catalog.ordinalOf("A001");
            assertEquals(java.util.Set.of(a001, catalog.ordinalOf("C004")),
                    java.util.Set.of(s.cooccurrenceNeighbour(a001, 0), s.cooccurrenceNeighbour(a001, 1)), "A001 (its own count) and C004, always bought together");
            assertEquals(-1, s.cooccurrenceNeighbour(a001, 2), "and nothing else");
            assertEquals(-1, s.cooccurrenceNeighbour(catalog.ordinalOf("C003"), 0), "C003 was never bought");
            assertEquals(-1, s.cooccurrenceNeighbour(catalog.ordinalOf("A001"), 99), "past the bundle's list");
            assertEquals(-1, s.cooccurrenceNeighbour(-1, 0));
        } finally {
            s.retire();
        }
    }

    @Test
    void cooccurrenceNeighbourOfTheHistory_comesFirst_whenItsWeightIsLarge(@TempDir Path artifacts) throws Exception {
        HybridBlend.Weights strong = new HybridBlend.Weights(100f, 0f, 0f);
        Path dir = publish(artifacts, new HybridBlend(HybridBlend.Weights.MODEL_ONLY, strong, strong));
        Snapshot s = SnapshotLoader.load(dir, EXACT, l -> { });
        try {
            assertNotNull(s.hybrid());
            List<String> top = ids(s, List.of("A001"), "Germany", 2, Filters.NONE);
            assertEquals(Set.of("A001", "C004"), new HashSet<>(top), "the history item and its co-occurring neighbour: " + top);
        } finally {
            s.retire();
        }
    }

    @Test
    void popularInTheRequestsCountry_comesFirst_forAContextOnlyQuery(@TempDir Path artifacts) throws Exception {
        HybridBlend.Weights pop = new HybridBlend.Weights(0f, 100f, 0f);
        Path dir = publish(artifacts, new HybridBlend(pop, HybridBlend.Weights.MODEL_ONLY, HybridBlend.Weights.MODEL_ONLY));
        Snapshot s = SnapshotLoader.load(dir, EXACT, l -> { });
        try {
            List<String> top = ids(s, List.of(), "France", 4, Filters.NONE);
            assertEquals(Set.of("B001", "B002", "B003", "B004"), new HashSet<>(top), top.toString());
        } finally {
            s.retire();
        }
    }

    @Test
    void modelOnlyWeights_answerExactlyAsTheModelAlone(@TempDir Path artifacts) throws Exception {
        Path dir = publish(artifacts, HybridBlend.MODEL_ONLY);
        Snapshot hybrid = SnapshotLoader.load(dir, EXACT, l -> { });
        Snapshot plain = SnapshotLoader.load(FixtureBundle.copyTo(artifacts.resolve("plain")), EXACT, l -> { });
        try {
            assertNull(plain.hybrid(), "a bundle without the optional files serves the model alone");
            assertEquals(ids(plain, List.of("A001", "B002"), "France", 12, Filters.NONE), ids(hybrid, List.of("A001", "B002"), "France", 12, Filters.NONE));
        } finally {
            hybrid.retire();
            plain.retire();
        }
    }

    @Test
    void randomFilters_neverLeak_andPagesAreFull_withTheHybrid(@TempDir Path artifacts) throws Exception {
        HybridBlend.Weights w = new HybridBlend.Weights(0.5f, 0.2f, 1f);
        Path dir = publish(artifacts, new HybridBlend(w, w, w));
        for (SnapshotLoader.Options options : List.of(EXACT, HNSW)) {
            Snapshot s = SnapshotLoader.load(dir, options, l -> { });
            try {
                Random random = new Random(5);
                for (int trial = 0; trial < 200; trial++) {
                    Set<String> exclude = new HashSet<>();
                    for (CatalogItem item : FixtureBundle.ITEMS) if (random.nextInt(4) == 0) exclude.add(item.itemId());
                    Filters filters = new Filters(exclude, Set.of(), null, random.nextBoolean() ? null : 3.0, false);
                    List<String> history = new ArrayList<>();
                    for (int h = random.nextInt(4); h > 0; h--) history.add(FixtureBundle.ITEMS.get(random.nextInt(12)).itemId());
                    int k = 1 + random.nextInt(12);
                    List<String> page = ids(s, history, random.nextBoolean() ? "France" : "Peru", k, filters);
                    long qualifying = FixtureBundle.ITEMS.stream().filter(filters::accepts).count();
                    assertEquals(Math.min(k, qualifying), page.size(), "trial " + trial);
                    assertEquals(page.size(), new HashSet<>(page).size(), "no duplicates");
                    for (String id : page) {
                        CatalogItem item = FixtureBundle.ITEMS.stream().filter(i -> i.itemId().equals(id)).findFirst().orElseThrow();
                        assertTrue(filters.accepts(item), "trial " + trial + " leaked " + id);
                    }
                }
            } finally {
                s.retire();
            }
        }
    }

    @Test
    void indexScore_equalsTheDotProductOfTheStoredVector_withoutCopying(@TempDir Path artifacts) throws Exception {
        Path dir = publish(artifacts, HybridBlend.MODEL_ONLY);
        for (SnapshotLoader.Options options : List.of(EXACT, HNSW)) {
            Snapshot s = SnapshotLoader.load(dir, options, l -> { });
            try {
                float[] q = new float[FixtureBundle.DIM];
                for (int d = 0; d < q.length; d++) q[d] = (d % 3) - 0.7f;
                for (int o = 0; o < s.index().ordinalLimit(); o++) {
                    float[] v = s.index().vector(o);
                    float dot = 0;
                    for (int d = 0; d < q.length; d++) dot += v[d] * q[d];
                    assertEquals(dot, s.index().score(q, o), 1e-5);
                }
                assertTrue(Float.isNaN(s.index().score(q, s.index().ordinalLimit())), "an ordinal never added");
            } finally {
                s.retire();
            }
        }
    }

    @Test
    void listedFilesWithoutTheirManifestSection_areRefused(@TempDir Path artifacts) throws Exception {
        Path dir = publish(artifacts, HybridBlend.MODEL_ONLY);
        Path manifest = dir.resolve("manifest.json");
        ObjectNode m = (ObjectNode) Json.MAPPER.readTree(manifest.toFile());
        ((ObjectNode) m.get("training")).remove("hybrid");
        Files.write(manifest, Json.MAPPER.writeValueAsBytes(m));
        BundleException e = assertThrows(BundleException.class, () -> SnapshotLoader.load(dir, EXACT, l -> { }));
        assertTrue(e.getMessage().contains("training.hybrid"), e.getMessage());
    }

    @Test
    void qualityGate_refusesABundleWhoseHybridLosesOnTheHoldout_orHasNoFigure(@TempDir Path artifacts) throws Exception {
        QualityGate gate = new QualityGate(List.of(), true);
        Path dir = publish(artifacts, HybridBlend.MODEL_ONLY);
        gate.check(ai.mercury.bundle.BundleReader.read(dir).manifest(), dir);
        ObjectNode m = (ObjectNode) Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        ObjectNode h = (ObjectNode) m.get("training").get("hybrid");
        h.put("holdout_beats_best_baseline", false);
        h.putArray("holdout_losses_to_best_baseline").add("warm ndcg@10: 0.1 < cooccurrence 0.2");
        Files.write(dir.resolve("manifest.json"), Json.MAPPER.writeValueAsBytes(m));
        BundleException lost = assertThrows(BundleException.class, () -> gate.check(ai.mercury.bundle.BundleReader.read(dir).manifest(), dir));
        assertTrue(lost.getMessage().contains("warm ndcg@10") && lost.getMessage().contains(QualityGate.HYBRID_KEY), lost.getMessage());
        Path plain = FixtureBundle.copyTo(artifacts.resolve("plain"));
        BundleException none = assertThrows(BundleException.class, () -> gate.check(ai.mercury.bundle.BundleReader.read(plain).manifest(), plain));
        assertTrue(none.getMessage().contains("holdout_beats_best_baseline"), none.getMessage());
    }
}
