package ai.mercury.model;

import ai.mercury.bundle.CatalogItem;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;
import ai.mercury.model.Recommendation.ScoredItem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

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
        EncodedUser encoded = s.encoder().encode(q.user(), s.catalog()::ordinalOf);
        long t1 = System.nanoTime();
        float[] userVector = userVector(s, encoded);
        long t2 = System.nanoTime();
        List<ScoredItem> items = topK(s, userVector, q.k(), q.filters());
        long t3 = System.nanoTime();
        return new Recommendation(s.version(), items, encoded.unknownHistory(), t1 - t0, t2 - t1, t3 - t2, s.index().kind());
    }

    /** Runs the user tower on one encoded user. */
    public static float[] userVector(Snapshot s, EncodedUser encoded) {
        Map<String, float[][]> batch = new LinkedHashMap<>();
        encoded.inputs().forEach((name, row) -> batch.put(name, new float[][] {row}));
        return s.userTower().embed(batch)[0];
    }

    /** The best {@code k} items for {@code userVector} that pass {@code filters}, best first. */
    public static List<ScoredItem> topK(Snapshot s, float[] userVector, int k, Filters filters) {
        ItemIndex index = s.index();
        Catalog catalog = s.catalog();
        int n = index.size();
        if (filters.isEmpty()) {
            return toItems(catalog, index.search(userVector, Math.min(k, n)), filters, k);
        }
        // Filters drop candidates after the search: ask for more until k pass or the index is exhausted.
        int fetch = (int) Math.min(n, Math.max(2L * k, (long) k + filters.exclude().size()));
        while (true) {
            SearchResult r = index.search(userVector, fetch);
            List<ScoredItem> items = toItems(catalog, r, filters, k);
            if (items.size() >= k) return items;
            if (fetch >= n) {
                // An approximate index may not reach every item even when asked for all of them.
                return r.size() >= n ? items : exactFiltered(catalog, s.bundle().itemVectors(), userVector, k, filters);
            }
            fetch = (int) Math.min(n, (long) fetch * FILTER_FETCH_GROWTH);
        }
    }

    private static List<ScoredItem> toItems(Catalog catalog, SearchResult r, Filters filters, int k) {
        List<ScoredItem> items = new ArrayList<>(Math.min(k, r.size()));
        int[] ordinals = r.ordinals();
        float[] scores = r.scores();
        for (int i = 0; i < r.size() && items.size() < k; i++) {
            CatalogItem item = catalog.item(ordinals[i]);
            if (filters.accepts(item)) items.add(new ScoredItem(item, scores[i]));
        }
        return items;
    }

    /** A full scan: the last resort of a heavily filtered request. */
    private static List<ScoredItem> exactFiltered(Catalog catalog, Vectors vectors, float[] q, int k, Filters filters) {
        PriorityQueue<ScoredItem> heap = new PriorityQueue<>(k + 1, (a, b) -> Float.compare(a.score(), b.score()));
        int dim = vectors.dim();
        float[] data = vectors.data();
        for (int i = 0; i < vectors.count(); i++) {
            CatalogItem item = catalog.item(i);
            if (!filters.accepts(item)) continue;
            float dot = 0;
            for (int d = 0, base = i * dim; d < dim; d++) dot += data[base + d] * q[d];
            heap.add(new ScoredItem(item, dot));
            if (heap.size() > k) heap.poll();
        }
        List<ScoredItem> items = new ArrayList<>(heap);
        items.sort((a, b) -> Float.compare(b.score(), a.score()));
        return items;
    }
}
