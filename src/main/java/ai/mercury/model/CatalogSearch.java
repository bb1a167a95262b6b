package ai.mercury.model;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.index.SearchResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Text search over a snapshot's catalog ({@code GET /items?query=…}): items whose title starts with
 * the query (case-insensitive) first, then the items nearest to the query in the model's space.
 *
 * <p>The semantic part uses the bundle's own encoders. A bundle whose user tower has a query slot
 * embeds the query as a visitor with nothing but that text (the slot was trained for this); any
 * other bundle embeds the query as if it were the title of a new product of typical price through
 * the text encoder and the item tower, and searches for the items nearest to that pseudo-product.
 *
 * <p>Stateless and thread-safe. Blocks on CPU (the text encoder takes milliseconds, the prefix
 * scan reads every title): call it from a worker thread, never an event loop.
 */
public final class CatalogSearch {
    private CatalogSearch() {}

    /** How an item was found. */
    public enum Match { PREFIX, SEMANTIC }

    /** One hit: {@code score} is the model's inner product for semantic hits and NaN for prefix ones. */
    public record Hit(CatalogItem item, Match match, float score) {}

    /**
     * The hits for {@code query} on {@code s}; {@code query} is non-blank, {@code k >= 1}.
     *
     * @throws ModelOutputException when a tower or the search gives a non-finite number
     */
    public static List<Hit> search(Snapshot s, TextEncoder text, String query, int k) {
        List<Hit> hits = new ArrayList<>(k);
        Set<String> seen = new HashSet<>();
        String prefix = query.trim().toLowerCase(Locale.ROOT);
        List<CatalogItem> prefixed = prefixMatches(s.catalog(), prefix, k);
        for (CatalogItem item : prefixed) {
            hits.add(new Hit(item, Match.PREFIX, Float.NaN));
            seen.add(item.itemId());
        }
        if (hits.size() >= k) return hits;
        float[] q = queryVector(s, text, query.trim());
        int want = Math.min(s.index().size(), k + seen.size());
        if (want < 1) return hits;
        SearchResult r = s.index().search(q, want);
        for (int i = 0; i < r.size() && hits.size() < k; i++) {
            CatalogItem item = s.catalog().item(r.ordinal(i));
            if (item != null && seen.add(item.itemId())) {
                ModelOutputException.requireFiniteScore(s, r.score(i));
                hits.add(new Hit(item, Match.SEMANTIC, r.score(i)));
            }
        }
        return hits;
    }

    /** Up to {@code k} items whose lower-cased title starts with {@code prefix}: shortest titles first, then by ordinal. */
    static List<CatalogItem> prefixMatches(Catalog catalog, String prefix, int k) {
        List<CatalogItem> found = new ArrayList<>();
        int limit = catalog.ordinalLimit();
        for (int o = 0; o < limit; o++) {
            CatalogItem item = catalog.item(o);
            if (item != null && item.title().regionMatches(true, 0, prefix, 0, prefix.length())) found.add(item);
        }
        found.sort((a, b) -> Integer.compare(a.title().length(), b.title().length())); // stable: ties keep ordinal order
        return found.size() > k ? found.subList(0, k) : found;
    }

    /** The query in the space the index searches: the user tower's query slot, or a pseudo-item through the item tower. */
    static float[] queryVector(Snapshot s, TextEncoder text, String query) {
        FeatureSpec spec = s.encoder().spec();
        if (spec.queryEnabled()) {
            UserContext visitor = new UserContext(Map.of(), Instant.now(), List.of(), query);
            return Recommender.userVector(s, s.encoder().encode(visitor, s.history()));
        }
        // A typical price: the one the price transform maps to 0 (the training catalog's mean of log1p(price)).
        double typicalPrice = Math.expm1(spec.item().price().mean());
        CatalogItem pseudo = new CatalogItem("query", query, Math.max(0, typicalPrice), null);
        Map<String, float[][]> inputs = new LinkedHashMap<>(FeatureEncoder.itemInputs(spec, text, List.of(pseudo)));
        float[] v = s.itemTower().embed(inputs)[0];
        ModelOutputException.requireFinite(s, "the item tower", v);
        return v;
    }
}
