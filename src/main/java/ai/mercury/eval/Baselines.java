package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.TextEncoder;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The protocol's baselines, built from the fit baskets only. Every method breaks its remaining
 * ties by item id. All rankers are immutable and thread-safe.
 */
public final class Baselines {
    public static final String RANDOM = "random";
    public static final String POPULARITY = "popularity";
    public static final String COOCCURRENCE = "cooccurrence";
    public static final String TEXT_KNN = "text_knn";

    private final FitStats stats;
    private final List<ItemRecord> catalog;
    private final List<Basket> fit;
    private final String popularityByContextName;

    /**
     * @param catalog      every item, sorted by item id (the dataset's item list)
     * @param fit          the fit baskets
     * @param popularityField the context field the popularity-by-context baseline groups by (null: none),
     *                        which also names it: {@code popularity_by_<field>}
     */
    public Baselines(List<ItemRecord> catalog, List<Basket> fit, String popularityField) {
        this.catalog = List.copyOf(catalog);
        this.fit = List.copyOf(fit);
        this.stats = new FitStats(this.catalog, this.fit, popularityField);
        this.popularityByContextName = new ai.mercury.data.DatasetConfig.Evaluation("", 1, popularityField, 0).popularityByContextName();
    }

    /** A uniform random permutation of the catalog per query, seeded by (seed, query index). */
    public Ranker random(long seed) {
        int n = stats.size();
        return new Named(RANDOM, (q, k) -> {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + q.index());
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            int top = Math.min(k, n);
            // The first k steps of Fisher–Yates: a uniform k-prefix of a uniform permutation.
            for (int i = 0; i < top; i++) {
                int j = i + rnd.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            return stats.ids(perm, top);
        });
    }

    /** Fit baskets holding the item, desc; ties by item id. */
    public Ranker popularity() {
        List<String> top = stats.ids(stats.popularityOrder, Scoring.K_LARGE);
        return new Named(POPULARITY, (q, k) -> k <= top.size() ? top.subList(0, k) : stats.ids(stats.popularityOrder, k));
    }

    /**
     * Count within the query's value of the popularity field (country on Online Retail), ties by id; the
     * items never bought there follow in popularity order; an unseen value → popularity. Named
     * {@code popularity_by_<field>}.
     */
    public Ranker popularityByContext() {
        return new Named(popularityByContextName, (q, k) -> stats.ids(stats.contextOrder(q.context()), k));
    }

    /** Σ over history items of co-occurrence counts in fit baskets; ties and the rest in popularity_by_country order. */
    public Ranker cooccurrence() {
        return new CooccurrenceRanker(stats, fit);
    }

    /** Cosine between the mean history title vector and each title vector; ties by id; no history → popularity_by_country. */
    public Ranker textKnn(TextEncoder encoder) {
        return new TextKnnRanker(stats, catalog, encoder);
    }

    /** text_knn over precomputed title vectors, one per catalog item in catalog order. */
    public Ranker textKnn(float[][] titleVectors) {
        return new TextKnnRanker(stats, titleVectors);
    }
    interface RankFunction {
        List<String> rank(EvalQuery q, int k);
    }

    private record Named(String name, RankFunction f) implements Ranker {
        @Override
        public List<String> rank(EvalQuery query, int k) {
            return f.rank(query, k);
        }
    }
}
