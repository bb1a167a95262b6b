package ai.mercury.server;

import ai.mercury.config.EventsConfig;
import ai.mercury.config.MercuryConfig;
import ai.mercury.events.EventParser;
import ai.mercury.events.Events;
import ai.mercury.events.DeviceRules;
import ai.mercury.events.Forget;
import ai.mercury.events.SessionStore;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Catalog;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /events}, {@code GET/DELETE /sessions/{id}}, {@code DELETE /users/{id}} on the event
 * loop (validation and JSON; the log's writer thread does the disk), and the part of
 * {@code /recommend} that reads them: the stored history of a session or user, the
 * {@code exclude_seen}/{@code exclude_purchased} filters and the context defaults taken from the
 * request's headers. See docs/events.md. Thread-safe (no mutable state of its own).
 */
final class EventRoutes {
    private static final byte[] NO_HISTORY = "{\"count\":0,\"source\":\"none\"}".getBytes(StandardCharsets.US_ASCII);

    private final EventsConfig config;
    private final Events events; // null when events.enabled is false: only the context defaults apply
    private final SnapshotRegistry snapshots;
    private final AdminRoutes admin;
    private final int maxHistory;

    /** A request after the session lookup: the query to run and the rendered {@code history_used} object. */
    record Personal(RecommendQuery query, byte[] historyUsed) {}

    EventRoutes(MercuryConfig config, Events events, SnapshotRegistry snapshots, AdminRoutes admin) {
        this.config = config.events();
        this.events = events;
        this.snapshots = snapshots;
        this.admin = admin;
        this.maxHistory = config.maxHistory();
    }

    void mount(Router router) {
        if (events == null) return;
        router.post("/events")
                .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
                .handler(this::authenticate)
                .handler(HttpVerticle::requireJson)
                .handler(this::post);
        router.get("/sessions/:id").handler(admin::authenticate).handler(this::show);
        router.delete("/sessions/:id").handler(admin::authenticate).handler(ctx -> forget(ctx, Forget.Scope.SESSION));
        router.delete("/users/:id").handler(admin::authenticate).handler(ctx -> forget(ctx, Forget.Scope.USER));
    }

    /** {@code events.token}, when set, guards {@code POST /events} (separate from the admin token: browsers send events). */
    private void authenticate(RoutingContext ctx) {
        if (!config.token().isEmpty()) {
            String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
            String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
            if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), config.token().value().getBytes(StandardCharsets.UTF_8))) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"mercury-events\"");
                throw new ApiException(401, "unauthorized", "POST /events needs 'Authorization: Bearer <events token>' (events.token)");
            }
        }
        ctx.next();
    }

    private void post(RoutingContext ctx) {
        boolean sync = flag(ctx, "sync");
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        EventParser.Batch batch;
        try {
            batch = events.parser().parse(body, System.currentTimeMillis(), contextDefaults(ctx, Map.of()));
        } catch (EventParser.EventException e) {
            throw new ApiException(e.status(), e.code(), e.getMessage());
        }
        JsonArray rejected = new JsonArray();
        for (EventParser.Rejection r : batch.rejected()) {
            rejected.add(new JsonObject().put("index", r.index()).put("error", r.error()).put("message", r.message()));
        }
        if (batch.accepted().isEmpty()) { // nothing to write: every event was refused
            HttpVerticle.sendJson(ctx, 400, new JsonObject().put("error", "bad_request")
                    .put("message", "no event was accepted; first: " + batch.rejected().get(0).message()).put("accepted", 0).put("rejected", rejected));
            return;
        }
        CompletableFuture<Void> logged = events.ingest(batch.accepted(), sync);
        if (logged == null) {
            throw new ApiException(503, "overloaded", "the event log's writer is behind (over events.max_pending events wait to be written); nothing was recorded, retry later");
        }
        Future.fromCompletionStage(logged, ctx.vertx().getOrCreateContext()).onComplete(ErrorResponses.guard(ctx, ar -> {
            if (ar.succeeded()) {
                HttpVerticle.sendJson(ctx, 200, new JsonObject().put("accepted", batch.accepted().size()).put("rejected", rejected));
            } else {
                ctx.fail(new ApiException(503, "event_log_unavailable", "the event log could not write these events (nothing was recorded): "
                        + HttpVerticle.unwrap(ar.cause()).getMessage()));
            }
        }));
    }

    private static boolean flag(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw ApiException.badRequest(name + " must be true or false, got '" + (v.length() > 20 ? v.substring(0, 20) + "…" : v) + "'");
    }

    private void show(RoutingContext ctx) {
        String id = visitorId(ctx);
        List<String[]> stored = events.store().events(id);
        if (stored == null) throw new ApiException(404, "session_not_found", "no session " + id + " is held (never seen, expired, evicted or forgotten)");
        JsonArray list = new JsonArray();
        for (String[] e : stored) list.add(new JsonObject().put("item_id", e[0]).put("event_type", e[1]));
        HttpVerticle.sendJson(ctx, 200, new JsonObject().put("session_id", id).put("events", list));
    }

    private void forget(RoutingContext ctx, Forget.Scope scope) {
        String id = visitorId(ctx);
        Future.fromCompletionStage(events.forget(scope, id), ctx.vertx().getOrCreateContext()).onComplete(ErrorResponses.guard(ctx, ar -> {
            if (ar.succeeded()) {
                HttpVerticle.sendJson(ctx, 200, new JsonObject().put(scope == Forget.Scope.SESSION ? "session_id" : "user_id", id)
                        .put("status", "forgotten").put("was_held", ar.result()));
            } else {
                ctx.fail(new ApiException(503, "event_log_unavailable", "the tombstone could not be written; nothing was forgotten on disk: "
                        + HttpVerticle.unwrap(ar.cause()).getMessage()));
            }
        }));
    }

    private static String visitorId(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (id == null || !EventParser.VISITOR_ID.matcher(id).matches()) {
            throw ApiException.badRequest("id must be 1 to 128 printable ASCII characters without spaces");
        }
        return id;
    }

    /** {@code base} plus {@code device} from User-Agent and {@code country} from the configured header, where {@code base} has none. */
    private Map<String, String> contextDefaults(RoutingContext ctx, Map<String, String> base) {
        String device = null;
        if (config.deviceFromUserAgent() && !base.containsKey("device")) device = DeviceRules.device(ctx.request().getHeader(HttpHeaders.USER_AGENT));
        String country = null;
        if (!config.countryHeader().isEmpty() && !base.containsKey("country")) {
            country = ctx.request().getHeader(config.countryHeader());
            if (country != null) {
                country = country.trim();
                if (country.isEmpty() || country.length() > 64) country = null;
            }
        }
        if (device == null && country == null) return base;
        Map<String, String> out = new HashMap<>(base);
        if (device != null) out.put("device", device);
        if (country != null) out.put("country", country);
        return out;
    }

    /**
     * The {@code /recommend} query with what the server knows: context defaults from the headers,
     * the stored history of {@code session_id}/{@code user_id} after the explicit one, and the
     * exclude filters. A request without ids, exclude flags or header defaults is returned as it is.
     */
    Personal personalize(RoutingContext ctx, JsonObject body, RecommendQuery q) {
        UserContext user = q.user();
        Map<String, String> context = contextDefaults(ctx, user.context());
        String sessionId = body.getValue("session_id") instanceof String s ? s : null;
        String userId = body.getValue("user_id") instanceof String s ? s : null;
        JsonObject filters = body.getValue("filters") instanceof JsonObject f ? f : null;
        boolean excludeSeen = filters != null && Boolean.TRUE.equals(filters.getValue("exclude_seen"));
        boolean excludePurchased = filters != null && Boolean.TRUE.equals(filters.getValue("exclude_purchased"));
        SessionStore.Lookup lookup = null;
        if (events != null && (sessionId != null || userId != null)) {
            Snapshot s = snapshots.peek();
            Catalog catalog = s == null ? null : s.catalog();
            lookup = events.store().lookup(sessionId, userId, user.history(), maxHistory,
                    catalog == null ? id -> false : id -> catalog.ordinalOf(id) >= 0, excludeSeen || excludePurchased);
        }
        boolean fromStore = lookup != null && lookup.stored() > 0;
        if (context == user.context() && !fromStore && (lookup == null || (!excludeSeen && !excludePurchased))) {
            return new Personal(q, historyUsed(user.history().size(), true, null, null));
        }
        List<String> history = fromStore ? lookup.history() : user.history();
        Filters f = q.filters();
        if (lookup != null && (excludeSeen || excludePurchased)) {
            Set<String> exclude = new HashSet<>(f.exclude());
            if (excludeSeen) exclude.addAll(lookup.seen());
            if (excludePurchased) exclude.addAll(lookup.purchased());
            f = new Filters(exclude, f.categories(), f.priceMin(), f.priceMax(), f.inStockOnly());
        }
        RecommendQuery personal = new RecommendQuery(new UserContext(context, user.timestamp(), history, user.query()), q.k(), f);
        return new Personal(personal, historyUsed(history.size(), user.history().size() > 0,
                fromStore ? sessionId : null, fromStore ? userId : null));
    }

    /** {@code {"count": n, "source": "..."}}: source names where the history came from (request, session, user, joined by '+'), or none. */
    private static byte[] historyUsed(int count, boolean explicit, String sessionId, String userId) {
        if (count == 0) return NO_HISTORY;
        StringBuilder source = new StringBuilder(24);
        if (explicit) source.append("request");
        if (sessionId != null) source.append(source.isEmpty() ? "" : "+").append("session");
        if (userId != null) source.append(source.isEmpty() ? "" : "+").append("user");
        return ("{\"count\":" + count + ",\"source\":\"" + source + "\"}").getBytes(StandardCharsets.US_ASCII);
    }
}
