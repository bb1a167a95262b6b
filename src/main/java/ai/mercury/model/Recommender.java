package ai.mercury.model;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.SearchResult;
import ai.mercury.model.Recommendation.ScoredItem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The serving path on one snapshot: features → ONNX user tower → index search → filters. Plain
 * Java, so the server's worker and the evaluator run exactly the same code. Stateless and
 * thread-safe (the snapshot's towers and index are).
 */
public final class Recommender {
    /** Over-fetch factor when filters may drop candidates. */
    private static final int FILTER_FETCH_GROWTH = 4;

    private Recommender() {}

    public static Recommendation recommend(Snapshot s, RecommendQuery q) {
        long t0 = System.nanoTime();
        EncodedUser encoded = s.encoder().encode(q.user(), s.history());
        long t1 = System.nanoTime();
        float[] userVector = userVector(s, encoded);
        long t2 = System.nanoTime();
        List<ScoredItem> items = topK(s, userVector, q.k(), q.filters());
        for (ScoredItem item : items) ModelOutputException.requireFiniteScore(s, item.score());
        long t3 = System.nanoTime();
        return new Recommendation(s.version(), items, encoded.unknownHistory(), t1 - t0, t2 - t1, t3 - t2, s.index().kind());
    }

    /**
     * Runs the user tower on one encoded user.
     *
     * @throws ModelOutputException when the tower returns a non-finite value
     */
    public static float[] userVector(Snapshot s, EncodedUser encoded) {
        Map<String, float[][]> batch = new LinkedHashMap<>();
        encoded.inputs().forEach((name, row) -> batch.put(name, new float[][] {row}));
        float[] v = s.userTower().embed(batch)[0];
        ModelOutputException.requireFinite(s, "the user tower", v);
        return v;
    }

    /**
     * The best {@code k} items for {@code userVector} that pass {@code filters}, best first; fewer
     * only when fewer than {@code k} live items pass.
     */
    public static List<ScoredItem> topK(Snapshot s, float[] userVector, int k, Filters filters) {
        ItemIndex index = s.index();
        Catalog catalog = s.catalog();
        int live = index.size();
        if (live == 0) return List.of();
        // Filters (and items deleted while this request runs) drop candidates after the search:
        // ask for more until k pass or the index is exhausted.
        long first = filters.isEmpty() ? k : Math.max(2L * k, (long) k + filters.exclude().size());
        int fetch = (int) Math.min(live, first);
        while (true) {
            SearchResult r = index.search(userVector, fetch);
            List<ScoredItem> items = toItems(catalog, r, filters, k);
            if (items.size() >= k) return items;
            if (fetch >= live) {
                // An approximate index may not reach every item even when asked for all of them.
                return r.size() >= live ? items : exactFiltered(catalog, index, userVector, k, filters);
            }
            fetch = (int) Math.min(live, (long) fetch * FILTER_FETCH_GROWTH);
        }
    }

    private static List<ScoredItem> toItems(Catalog catalog, SearchResult r, Filters filters, int k) {
        List<ScoredItem> items = new ArrayList<>(Math.min(k, r.size()));
        int[] ordinals = r.ordinals();
        float[] scores = r.scores();
        for (int i = 0; i < r.size() && items.size() < k; i++) {
            CatalogItem item = catalog.item(ordinals[i]);
            if (item != null && filters.accepts(item)) items.add(new ScoredItem(item, scores[i]));
        }
        return items;
    }

    /** A full exact scan over the items that pass: the last resort of a heavily filtered request. */
    private static List<ScoredItem> exactFiltered(Catalog catalog, ItemIndex index, float[] q, int k, Filters filters) {
        SearchResult r = index.scan(q, k, ordinal -> {
            CatalogItem item = catalog.item(ordinal);
            return item != null && filters.accepts(item);
        });
        return toItems(catalog, r, filters, k);
    }
}
