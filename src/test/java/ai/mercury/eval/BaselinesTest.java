package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.TextEncoder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Every baseline's order and tie rule on a five-item shop. */
class BaselinesTest {
    static final List<ItemRecord> CATALOG = List.of(
            item("A", "red mug"), item("B", "red mug"), item("C", "blue lamp"), item("D", "blue lamp shade"), item("E", "green bag"));

    static ItemRecord item(String id, String title) {
        return new ItemRecord(id, title, 1.0, null, Instant.EPOCH);
    }

    static Basket fit(String id, String country, String... items) {
        return new Basket(id, "u" + id, Instant.EPOCH, Map.of("country", country), List.of(items), 0);
    }

    // popularity: A1 B2 C2 D2 E1; UK: A1 B2 C1; France: C1 D2 E1
    static final List<Basket> FIT = List.of(fit("1", "UK", "B", "A"), fit("2", "UK", "C", "B"), fit("3", "France", "D", "C"),
            fit("4", "France", "D", "E"));
    static final Baselines BASELINES = new Baselines(CATALOG, FIT, "country");

    static EvalQuery query(String country, String... history) {
        return new EvalQuery(7, history.length == 0 ? Slice.COLD_USER_CONTEXT : Slice.WARM, "t", "u", Instant.EPOCH,
                Map.of("country", country), List.of(history), List.of("A"), List.of());
    }

    @Test
    void popularity_countsFitBaskets_tiesById() {
        assertEquals(List.of("B", "C", "D", "A", "E"), BASELINES.popularity().rank(query("UK"), 100));
        assertEquals(List.of("B", "C"), BASELINES.popularity().rank(query("UK"), 2));
    }

    @Test
    void popularityByCountry_countryCountsThenUnboughtInPopularityOrder() {
        Ranker r = BASELINES.popularityByContext();
        assertEquals(List.of("B", "A", "C", "D", "E"), r.rank(query("UK"), 100), "B2; A1 C1 tie by id; then D, E by popularity");
        assertEquals(List.of("D", "C", "E", "B", "A"), r.rank(query("France"), 100), "D2; C1 E1 by id; then B (2) before A (1)");
        assertEquals(List.of("B", "C", "D", "A", "E"), r.rank(query("Germany"), 100), "unseen country → popularity");
    }

    @Test
    void cooccurrence_sumsPairCounts_tiesAndRestInCountryOrder() {
        Ranker r = BASELINES.cooccurrence();
        // co(C,·): C 2 (itself), B 1, D 1; the B/D tie follows the country's order
        assertEquals(List.of("C", "B", "D", "A", "E"), r.rank(query("UK", "C"), 100));
        assertEquals(List.of("C", "D", "B", "E", "A"), r.rank(query("France", "C"), 100));
        // two history items add up: B: co(B,B)=2 + co(C,B)=1 = 3; C: 1 + 2 = 3; A 1; D 1
        assertEquals(List.of("B", "C", "A", "D", "E"), r.rank(query("UK", "B", "C"), 100));
        assertEquals(BASELINES.popularityByContext().rank(query("France"), 100), r.rank(query("France"), 100), "context only → popularity_by_country");
        assertEquals(2, ((CooccurrenceRanker) r).count("C", "C"));
        assertEquals(1, ((CooccurrenceRanker) r).count("B", "C"));
        assertEquals(0, ((CooccurrenceRanker) r).count("A", "E"));
    }

    /** Bag of words over a fixed vocabulary: equal titles give equal vectors. */
    static final TextEncoder WORDS = new TextEncoder() {
        final List<String> vocab = List.of("red", "mug", "blue", "lamp", "shade", "green", "bag");

        @Override
        public String name() {
            return "words";
        }

        @Override
        public int dim() {
            return vocab.size();
        }

        @Override
        public float[] embed(String text) {
            float[] v = new float[vocab.size()];
            for (String w : text.split(" ")) v[vocab.indexOf(w)] += 1;
            return v;
        }
    };

    @Test
    void textKnn_cosineToMeanHistory_tiesById() {
        Ranker r = BASELINES.textKnn(WORDS);
        assertEquals(List.of("C", "D", "A", "B", "E"), r.rank(query("UK", "C"), 100), "C 1, D 0.82, then A B E at 0 by id");
        assertEquals(List.of("A", "B", "C", "D", "E"), r.rank(query("UK", "B"), 100), "A and B share a title: tie → id");
        assertEquals(List.of("C", "E", "D"), r.rank(query("UK", "C", "E"), 3), "mean of two: C and E tie at 0.71 → id; D 0.58");
        assertEquals(BASELINES.popularityByContext().rank(query("France"), 100), r.rank(query("France"), 100), "context only → popularity_by_country");
    }

    @Test
    void random_isASeededPermutationPerQuery() {
        Ranker r = BASELINES.random(42);
        List<String> a = r.rank(query("UK"), 100);
        assertEquals(5, a.size());
        assertEquals(5, new HashSet<>(a).size());
        assertEquals(a, BASELINES.random(42).rank(query("UK"), 100), "same seed and query index → same permutation");
        assertEquals(3, r.rank(query("UK"), 3).size());
        boolean differs = false;
        for (int i = 0; i < 20 && !differs; i++) {
            EvalQuery other = new EvalQuery(i, Slice.WARM, "t", "u", Instant.EPOCH, Map.of(), List.of(), List.of("A"), List.of());
            differs = !r.rank(other, 100).equals(a);
        }
        assertNotEquals(false, differs, "other query indices draw other permutations");
    }
}
