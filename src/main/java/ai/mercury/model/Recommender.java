package ai.mercury.model;

import ai.mercury.bundle.HybridBlend;
import ai.mercury.bundle.HybridRanker;
import ai.mercury.bundle.HybridSignals;
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
        List<ScoredItem> items = rank(s, userVector, q);
        for (ScoredItem item : items) ModelOutputException.requireFiniteScore(s, item.score());
        long t3 = System.nanoTime();
        return new Recommendation(s.version(), items, encoded.unknownHistory(), t1 - t0, t2 - t1, t3 - t2, s.index().kind());
    }

    /** The request's items for its user vector: the hybrid's ranking when the bundle has one, else the model's top k. */
    public static List<ScoredItem> rank(Snapshot s, float[] userVector, RecommendQuery q) {
        Hybrid.Bound hybrid = Hybrid.ENABLED ? s.hybridBound() : null;
        return hybrid == null ? topK(s, userVector, q.k(), q.filters()) : hybridTopK(s, hybrid, userVector, q);
    }

    /** Model candidates of a hybrid request: at least this many, as on the trainer's hold-out, where the weights were chosen. */
    static final int HYBRID_CANDIDATES = 100;

    /**
     * The hybrid ranking ({@link HybridRanker}): the model's candidates, the history's co-occurrence
     * neighbours and the context's popular items, by the bundle's blend for this kind of query.
     * Filters apply to the merged ranking; when fewer than k pass, the model's filtered search fills up.
     */
    static List<ScoredItem> hybridTopK(Snapshot s, Hybrid.Bound hybrid, float[] userVector, RecommendQuery q) {
        Catalog catalog = s.catalog();
        ItemIndex index = s.index();
        int k = q.k();
        Filters filters = q.filters();
        List<String> ids = q.user().history();
        int[] history = new int[Math.min(ids.size(), HybridRanker.HISTORY_FOR_NEIGHBOURS)];
        int known = 0;
        int knownAll = 0;
        for (String id : ids) {
            int o = catalog.ordinalOf(id);
            if (o < 0) continue;
            knownAll++;
            if (known < history.length) history[known++] = o;
        }
        HybridSignals signals = hybrid.hybrid().signals();
        HybridBlend.Weights w = hybrid.hybrid().blend().of(HybridBlend.QueryKind.of(knownAll));
        if (w.modelOnly()) return topK(s, userVector, k, filters);
        int live = index.size();
        if (live == 0) return List.of();
        int fetch = Math.min(live, Math.max(k, HYBRID_CANDIDATES));
        SearchResult r = index.search(userVector, fetch);
        String field = signals.field();
        int value = field == null ? -1 : signals.valueIndex(q.user().context().get(field));
        int want = filters.isEmpty() ? k : r.size() + history.length * (signals.neighbours() + signals.textNeighbours()) + 3 * HybridRanker.EXTRA_PER_SOURCE;
        int[] ordinals = new int[want];
        float[] scores = new float[want];
        int n = HybridRanker.rank(signals, w, history, known, value, r.ordinals(), r.scores(), r.size(),
                o -> catalog.item(o) == null ? Float.NaN : index.score(userVector, o), new IndexVectors(index), hybrid,
                HybridRanker.EXTRA_PER_SOURCE, ordinals, scores);
        List<ScoredItem> items = new ArrayList<>(k);
        for (int i = 0; i < n && items.size() < k; i++) {
            CatalogItem item = catalog.item(ordinals[i]);
            if (item != null && filters.accepts(item)) items.add(new ScoredItem(item, scores[i]));
        }
        if (items.size() < k) {
            // Filters left too few: fill up from the model's own filtered search.
            java.util.Set<String> have = new java.util.HashSet<>();
            for (ScoredItem it : items) have.add(it.item().itemId());
            for (ScoredItem it : topK(s, userVector, k + items.size(), filters)) {
                if (items.size() >= k) break;
                if (have.add(it.item().itemId())) items.add(it);
            }
        }
        return items;
    }

    /** The index's item vectors, for the hybrid's unknown candidates. */
    private record IndexVectors(ItemIndex index) implements HybridRanker.ItemVectors {
        @Override
        public float[] vector(int ordinal) {
            return index.vector(ordinal);
        }

        @Override
        public float dot(float[] v, int ordinal) {
            return index.score(v, ordinal);
        }
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
