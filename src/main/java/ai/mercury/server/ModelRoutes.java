package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.bundle.Manifest;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.lifecycle.BundleStatus;
import ai.mercury.lifecycle.ServingLifecycle;
import ai.mercury.model.CatalogSearch;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Public read-only views of the serving model: {@code GET /model} (which bundle serves, when it
 * was trained, its evaluation per slice, its context vocabularies and the swap history, without
 * the admin details) and {@code GET /items?query=…&k=…} (text search over the catalog,
 * {@link CatalogSearch}). The search encodes text, which takes milliseconds: it runs on a worker
 * thread, never on the event loop. Stateless apart from its collaborators; one per HTTP verticle.
 */
final class ModelRoutes {
    static final int DEFAULT_SEARCH_K = 10;
    static final int MAX_SEARCH_K = 100;
    private static final Set<String> SEARCH_PARAMS = Set.of("query", "k");

    private final MercuryConfig config;
    private final SnapshotRegistry snapshots;
    private final ServingLifecycle lifecycle;
    private final ServerMetrics metrics;

    ModelRoutes(MercuryConfig config, SnapshotRegistry snapshots, ServingLifecycle lifecycle, ServerMetrics metrics) {
        this.config = config;
        this.snapshots = snapshots;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
    }

    void mount(Router router) {
        router.get("/model").handler(this::model);
        router.get("/items").handler(this::search);
    }

    private void model(RoutingContext ctx) {
        Snapshot s = snapshots.peek();
        if (s == null) throw new ApiException(503, "not_ready", "no model bundle is loaded yet");
        HttpVerticle.sendJson(ctx, 200, describe(s, lifecycle.status()));
    }

    static JsonObject describe(Snapshot s, BundleStatus status) {
        Manifest m = s.manifest();
        FeatureSpec spec = m.featureSpec();
        JsonArray context = new JsonArray();
        for (FeatureSpec.ContextField f : spec.context()) context.add(new JsonObject().put("name", f.name()).put("vocabulary", new JsonArray(f.vocabulary())));
        JsonObject out = new JsonObject()
                .put("model_version", s.version())
                .put("created_at", m.createdAt())
                .put("trained_at", text(m.training(), "started_at"))
                .put("loaded_at", s.loadedAt().toString())
                .put("items", s.catalog().size())
                .put("index", s.index().kind())
                .put("embedding_dim", m.embeddingDim())
                .put("text_encoder", new JsonObject().put("name", m.textEncoder().name()).put("dim", m.textEncoder().dim()))
                .put("features", new JsonObject().put("context", context)
                        .put("time", new JsonArray(spec.time().features()))
                        .put("history_cap", spec.history().cap())
                        .put("query", spec.queryEnabled()))
                .put("evaluation", evaluation(m.evaluation()));
        JsonArray swaps = new JsonArray();
        for (BundleStatus.Activation a : status.history()) {
            swaps.add(new JsonObject().put("version", a.version()).put("activated_at", time(a.activatedAt()))
                    .put("retired_at", time(a.retiredAt())).put("load_ms", a.loadMs()).put("cause", a.cause()));
        }
        return out.put("swaps", swaps);
    }

    /** The manifest's evaluation reduced to what a reader of the demo needs; null when the bundle was not evaluated. */
    private static JsonObject evaluation(JsonNode e) {
        if (e == null || !e.isObject()) return null;
        JsonNode slices = e.get("model");
        JsonNode ann = e.get("ann_recall@100");
        return new JsonObject().put("protocol", text(e, "protocol")).put("evaluated_at", text(e, "evaluated_at"))
                .put("ann_recall@100", ann != null && ann.isNumber() ? ann.doubleValue() : null)
                .put("slices", slices != null && slices.isObject() ? new JsonObject(slices.toString()) : new JsonObject());
    }

    private void search(RoutingContext ctx) {
        long start = System.nanoTime();
        MultiMap params;
        try {
            params = ctx.queryParams();
        } catch (IllegalArgumentException e) { // a malformed %-escape
            throw ApiException.badRequest("the query string is not valid URL encoding");
        }
        for (String name : params.names()) {
            if (!SEARCH_PARAMS.contains(name)) throw ApiException.badRequest("unknown parameter '" + shorten(name) + "'; allowed: [k, query]");
        }
        if (params.getAll("query").size() > 1 || params.getAll("k").size() > 1) throw ApiException.badRequest("query and k may be given once each");
        String query = params.get("query");
        if (query == null || query.isBlank()) throw ApiException.badRequest("query is required: the text to search for");
        if (query.length() > config.maxQueryChars()) {
            throw ApiException.badRequest("query has " + query.length() + " characters; the limit is " + config.maxQueryChars());
        }
        int k = parseK(params.get("k"));
        ctx.vertx().<JsonObject>executeBlocking(() -> run(query, k, start), false).onComplete(ErrorResponses.guard(ctx, ar -> {
            if (ar.succeeded()) {
                HttpVerticle.sendJson(ctx, 200, ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        }));
    }

    /** On a worker: acquire the snapshot, search, render. */
    private JsonObject run(String query, int k, long start) {
        Snapshot s = snapshots.acquire();
        if (s == null) throw new ApiException(503, "no_model", "no model bundle is loaded yet");
        try {
            TextEncoder text = lifecycle.textEncoders().forBundle(s.manifest().textEncoder());
            List<CatalogSearch.Hit> hits;
            try {
                hits = CatalogSearch.search(s, text, query, k);
            } catch (ai.mercury.model.ModelOutputException e) {
                throw metrics.modelOutputInvalid(s, e);
            }
            JsonArray items = new JsonArray();
            for (CatalogSearch.Hit h : hits) {
                JsonObject o = new JsonObject().put("item_id", h.item().itemId()).put("title", h.item().title()).put("price", h.item().price());
                if (h.item().category() != null) o.put("category", h.item().category());
                o.put("in_stock", h.item().inStock()).put("match", h.match().name().toLowerCase(java.util.Locale.ROOT));
                if (h.match() == CatalogSearch.Match.SEMANTIC) o.put("score", h.score());
                items.add(o);
            }
            return new JsonObject().put("model_version", s.version()).put("took_ms", Math.round((System.nanoTime() - start) / 1e3) / 1e3)
                    .put("query", query).put("items", items);
        } finally {
            s.release();
        }
    }

    private static int parseK(String raw) {
        if (raw == null) return DEFAULT_SEARCH_K;
        int k;
        try {
            k = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("k must be an integer between 1 and " + MAX_SEARCH_K + ", got '" + shorten(raw) + "'");
        }
        if (k < 1 || k > MAX_SEARCH_K) throw ApiException.badRequest("k must be between 1 and " + MAX_SEARCH_K + ", got " + k);
        return k;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
