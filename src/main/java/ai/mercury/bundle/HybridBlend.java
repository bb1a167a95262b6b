package ai.mercury.bundle;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * The hybrid's final score, one set of weights per kind of query, chosen on the trainer's hold-out:
 * <pre>
 *   score(i) = model(i) + bonus(i) + text · mean_h cos(h, i)
 *   bonus(i) = cooccurrence · log(1 + Σ_h co(h, i)) + popularity · log(1 + pop_ctx(i))   when i has fit data
 *            = unknown · mean bonus of the request's model candidates that have data       when it has none
 *              (a variant of a known candidate: the larger of that and the candidate's own bonus)
 * </pre>
 * {@code model(i)} is the two towers' (log-Q corrected) dot product; {@code co(h, i)} the fit baskets
 * holding history item h and i; {@code pop_ctx} the shrunk popularity in the request's context
 * ({@link HybridSignals#popularity}). An item without fit data (a new product, a live item) is
 * <em>unknown</em>, not unpopular: it gets the typical bonus of the model's own candidates scaled by
 * {@code unknown}, so new items keep their place among the model's candidates; a variant of a known
 * candidate (nearer to it than any other known candidate is, {@link HybridRanker}) ranks with it. {@code cos(h, i)} is the
 * title cosine when i is among h's title neighbours ({@link TextNeighbours}), else 0: the one signal a
 * new item has besides its vector. All zero = the model alone.
 */
public record HybridBlend(Weights noHistory, Weights oneItem, Weights longHistory) {

    /** The model alone for every kind of query. */
    public static final HybridBlend MODEL_ONLY = new HybridBlend(Weights.MODEL_ONLY, Weights.MODEL_ONLY, Weights.MODEL_ONLY);

    /** The kinds of query that get their own weights. */
    public enum QueryKind {
        NO_HISTORY("no_history"), ONE_ITEM("one_item"), LONG_HISTORY("long_history");

        public final String key;

        QueryKind(String key) {
            this.key = key;
        }

        /** By the number of known history items. */
        public static QueryKind of(int history) {
            return history == 0 ? NO_HISTORY : history == 1 ? ONE_ITEM : LONG_HISTORY;
        }
    }

    /** One kind's weights (in units of the model's score). */
    public record Weights(float cooccurrence, float popularity, float unknown, float text) {
        public static final Weights MODEL_ONLY = new Weights(0, 0, 0, 0);

        /** Without the title term (bundles of before it). */
        public Weights(float cooccurrence, float popularity, float unknown) {
            this(cooccurrence, popularity, unknown, 0);
        }

        public boolean modelOnly() {
            return cooccurrence == 0 && popularity == 0 && text == 0;
        }

        /** How many candidate sources besides the model's own these weights switch on (co-occurrence, popularity, titles). */
        public int sources() {
            return (cooccurrence != 0 ? 1 : 0) + (popularity != 0 ? 1 : 0) + (text != 0 ? 1 : 0);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("cooccurrence", cooccurrence);
            o.put("popularity", popularity);
            o.put("unknown", unknown);
            o.put("text", text);
            return o;
        }

        static Weights fromJson(JsonNode n) {
            if (n == null || !n.isObject()) return MODEL_ONLY;
            float c = (float) n.path("cooccurrence").asDouble(0);
            float p = (float) n.path("popularity").asDouble(0);
            float u = (float) n.path("unknown").asDouble(0);
            float t = (float) n.path("text").asDouble(0);
            if (!Float.isFinite(c) || !Float.isFinite(p) || !Float.isFinite(u) || !Float.isFinite(t)) {
                throw new IllegalArgumentException("non-finite hybrid weight");
            }
            return new Weights(c, p, u, t);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cooccurrence %.4f, popularity %.4f, unknown %.2f, text %.4f", cooccurrence, popularity, unknown, text);
        }
    }

    public Weights of(QueryKind kind) {
        return switch (kind) {
            case NO_HISTORY -> noHistory;
            case ONE_ITEM -> oneItem;
            case LONG_HISTORY -> longHistory;
        };
    }

    public HybridBlend with(QueryKind kind, Weights w) {
        return new HybridBlend(kind == QueryKind.NO_HISTORY ? w : noHistory, kind == QueryKind.ONE_ITEM ? w : oneItem,
                kind == QueryKind.LONG_HISTORY ? w : longHistory);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        for (QueryKind k : QueryKind.values()) o.set(k.key, of(k).toJson());
        return o;
    }

    /** From the manifest's {@code training.hybrid.weights}; a missing kind is the model alone. */
    public static HybridBlend fromJson(JsonNode n) {
        return new HybridBlend(Weights.fromJson(n.get(QueryKind.NO_HISTORY.key)), Weights.fromJson(n.get(QueryKind.ONE_ITEM.key)),
                Weights.fromJson(n.get(QueryKind.LONG_HISTORY.key)));
    }
}
