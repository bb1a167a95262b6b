package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.core.Json;
import ai.mercury.lifecycle.ServingLifecycle;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The edge, on the event loop: routing, validation, the response cache and JSON. It never touches
 * the disk: {@code /recommend} is validated here, looked up in the {@link ResponseCache} when that
 * is enabled, and otherwise given to the {@link Dispatcher}, which runs a cheap request inline when
 * nothing else is in flight and hands it to the {@link InferenceVerticle} workers otherwise.
 * The admin routes ({@link AdminRoutes}) hand their work to the index manager's thread.
 * All failures go through one handler that answers {@code {"error", "message"}}.
 */
public final class HttpVerticle extends VerticleBase {
    private static final String JSON_TYPE = "application/json";

    private final MercuryConfig config;
    private final SnapshotRegistry snapshots;
    private final ServerMetrics metrics;
    private final AtomicInteger boundPort;
    private final RequestParser parser;
    private final AdminRoutes admin;
    /** Null when {@code cache.enabled} is false. */
    private final ResponseCache cache;
    private HttpServer server;
    private final Inference inference;
    private final Dispatcher.Admission admission;
    private Dispatcher dispatcher;
    private final ConnectionGuard.Shared connectionLimits;
    private ConnectionGuard connections;
    /** Set once the start-up warm-up is over (or there was nothing to warm): until then /health/ready says warming_up. */
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp;

    private final ItemRoutes items; // null when live items are disabled
    private final HttpConventions conventions;
    private final ModelRoutes model;
    private final RouteTable routeTable;
    private final EventRoutes events;
    private final ai.mercury.events.RecommendationIds recommendationIds;
    private final ServingLifecycle lifecycle;

    HttpVerticle(MercuryConfig config, SnapshotRegistry snapshots, ServerMetrics metrics, AtomicInteger boundPort, ServingLifecycle lifecycle,
                 ResponseCache cache, Inference inference, Dispatcher.Admission admission, RouteTable routeTable,
                 ConnectionGuard.Shared connectionLimits, java.util.concurrent.atomic.AtomicBoolean warmedUp) {
        this.connectionLimits = connectionLimits;
        this.warmedUp = warmedUp;
        this.inference = inference;
        this.admission = admission;
        this.config = config;
        this.snapshots = snapshots;
        this.metrics = metrics;
        this.boundPort = boundPort;
        this.parser = new RequestParser(config);
        this.admin = new AdminRoutes(config, lifecycle, snapshots);
        this.items = lifecycle.liveItems() == null ? null : new ItemRoutes(config, lifecycle.liveItems(), admin);
        this.cache = cache;
        this.conventions = new HttpConventions(config.edge());
        this.model = new ModelRoutes(config, snapshots, lifecycle, metrics);
        this.routeTable = routeTable;
        this.events = new EventRoutes(config, lifecycle.events(), snapshots, admin);
        this.recommendationIds = lifecycle.recommendationIds();
        this.lifecycle = lifecycle;
    }

    @Override
    public Future<?> start() {
        dispatcher = new Dispatcher(vertx, inference, admission, config.requestTimeoutMs());
        dispatcher.startLagProbe();
        Router router = Router.router(vertx);
        connections = new ConnectionGuard(connectionLimits, vertx);
        router.route().handler(ctx -> { // first: every routed request tells the guard when its response ended
            HttpServerRequest req = ctx.request();
            ctx.addEndHandler(ignored -> connections.responseEnded(req));
            ctx.next();
        });
        conventions.mount(router); // request id, CORS, access log: before every route
        router.route().handler(ErrorResponses::checkPath); // before any route with a path decodes it
        // before the body is read or parsed (Vert.x 5 puts body handlers first on a route): a refusal must
        // cost far less than an answer. A route without a path, so that /recommend's metrics keep their route label.
        router.route().handler(this::shedWhenBehind);
        router.post("/recommend")
                .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes())) // Vert.x 5: body handlers come first
                .handler(HttpVerticle::requireJson)
                .handler(this::recommend);
        router.get("/health/live").handler(ctx -> sendJson(ctx, 200, new JsonObject().put("status", "live")));
        router.get("/health/ready").handler(this::ready);
        // A scrape renders every histogram (tens of kB, milliseconds of CPU): on a worker, not the event loop.
        router.get("/metrics").blockingHandler(PrometheusScrapingHandler.create(metrics.registry()), false);
        admin.mount(router);
        if (items != null) items.mount(router);
        model.mount(router);
        StaticRoutes.get().mount(router);
        routeTable.record(router);
        events.mount(router);
        router.route().failureHandler(this::onFailure);
        router.errorHandler(404, ctx -> sendError(ctx, 404, "not_found", "no route for " + ctx.request().method() + " " + ctx.request().path()));
        router.errorHandler(405, ctx -> sendError(ctx, 405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path()));
        ErrorResponses.mount(router, this::onFailure);

        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.httpHost())
                .setPort(boundPort.get() > 0 ? boundPort.get() : config.httpPort())
                .setTcpNoDelay(true)
                // HTTP/1.1 only: with h2c detection on, Vert.x waits for the first bytes before it creates the
                // connection, so a client that never sends one would escape the connection handler's limits;
                // and a malformed 'Upgrade: h2c' got Vert.x's empty 400.
                .setHttp2ClearTextEnabled(false)
                // Vert.x's own idle timeout is the backstop for what ConnectionGuard does not time (a client
                // that stops reading its response). On the guard's keep-alive deadline it raced the guard and
                // could close the connection uncounted in mercury_http_connections_closed_total: it runs later.
                .setIdleTimeout(idleBackstopMs(config.connections().idleTimeoutMs())).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
        HttpConventions.applyCompression(options, config.edge());
        return vertx.createHttpServer(options).connectionHandler(connections::accepted).requestHandler(req -> {
            connections.requestArrived(req);
            router.handle(req);
        }).invalidRequestHandler(ErrorResponses::invalidRequest).listen().onSuccess(s -> {
            server = s;
            boundPort.compareAndSet(0, s.actualPort());
        });
    }

    /** How much later than http.idle_timeout_ms Vert.x's idle timeout closes a connection (see {@link #idleBackstopMs}). */
    static final long IDLE_BACKSTOP_MARGIN_MS = 1_000;

    /** Vert.x's idle timeout for {@code http.idle_timeout_ms} ({@code 0}: off): a margin after the guard's timers. */
    static int idleBackstopMs(long idleTimeoutMs) {
        return idleTimeoutMs <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, idleTimeoutMs + IDLE_BACKSTOP_MARGIN_MS);
    }

    static void requireJson(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        String mime = type == null ? "" : type.split(";", 2)[0].trim();
        if (!mime.equalsIgnoreCase(JSON_TYPE)) {
            throw new ApiException(415, "unsupported_media_type", "content-type must be application/json, got '" + (type == null ? "" : type) + "'");
        }
        ctx.next();
    }

    private void recommend(RoutingContext ctx) {
        long start = System.nanoTime();
        java.util.Map<String, Object> parsed = Json.readNetworkObject(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
        if (parsed == null) throw new ApiException(400, "invalid_json", "the body is empty; send a JSON object");
        JsonObject body = new JsonObject(parsed);
        EventRoutes.Personal personal = events.personalize(ctx, body, parser.parse(body, Instant.now()));
        RecommendQuery query = personal.query();
        ResponseCache.Key key = null;
        if (cache != null) {
            Snapshot s = snapshots.peek();
            if (s != null) {
                key = cache.key(s, query);
                byte[] answer = cache.get(key);
                metrics.recordCacheLookup(answer != null);
                if (answer != null) {
                    send(ctx, key.version, answer, start, personal.historyUsed());
                    return;
                }
            }
        }
        ResponseCache.Key cacheKey = key;
        dispatcher.dispatch(query, start)
                .onSuccess(ErrorResponses.guard(ctx, reply -> answer(ctx, reply, cacheKey, start, personal.historyUsed())))
                .onFailure(ErrorResponses.guard(ctx, ctx::fail));
    }

    /**
     * 503 {@code overloaded} at once while this verticle's event loop is behind ({@link LoopLag}) or
     * past the rate it sustains ({@link AdmissionRate}): past capacity the answers cost the loop its
     * time, and only a refusal that skips the body and the model lets it catch up (docs/bench/overload.md).
     */
    private void shedWhenBehind(RoutingContext ctx) {
        // The start-up warm-up's requests too (it counts a 503 as the server protecting itself): exempting them left this
        // check cold, and the first real requests after ready recompiled the route's handler (docs/bench/warmup.md, run 11).
        ApiException behind = ctx.request().method() == HttpMethod.POST && "/recommend".equals(ctx.request().path())
                ? dispatcher.refusalAtEdge() : null;
        if (behind == null) {
            ctx.next();
            return;
        }
        sendError(ctx, behind.status(), behind.code(), behind.getMessage());
    }

    /** Sends a computed reply, and caches its answer when it was computed on the snapshot the key names. */
    private void answer(RoutingContext ctx, RecommendReply reply, ResponseCache.Key key, long start, byte[] historyUsed) {
        if (reply.error() != null) {
            sendError(ctx, reply.error().status(), reply.error().code(), reply.error().getMessage());
            return;
        }
        Recommendation r = reply.result();
        byte[] answer = ResponseWriter.answer(r);
        if (key != null && key.version.equals(r.modelVersion()) && key.epoch == reply.cacheEpoch()) cache.put(key, answer);
        send(ctx, r.modelVersion(), answer, start, historyUsed);
    }

    private void send(RoutingContext ctx, String version, byte[] answer, long start, byte[] historyUsed) {
        if (ctx.response().ended()) return;
        double tookMs = (System.nanoTime() - start) / 1e6;
        ErrorResponses.end(ctx, 200, ResponseWriter.assemble(version, tookMs, recommendationIds.next(version), historyUsed, answer));
    }

    private void ready(RoutingContext ctx) {
        Snapshot s = snapshots.peek();
        if (s == null) {
            sendError(ctx, 503, "not_ready", "no model bundle is loaded yet");
        } else if (!warmedUp.get()) {
            sendError(ctx, 503, "warming_up", "the server is sending itself warm-up requests (warmup.http_seconds) before it takes traffic");
        } else {
            JsonObject body = new JsonObject().put("status", "ready").put("model_version", s.version())
                    .put("items", s.catalog().size()).put("index", s.index().kind());
            ai.mercury.replication.KafkaItemLog log = lifecycle.itemLog();
            if (log != null) {
                // Ready means "answers reads": a replica behind or cut off from Kafka still serves; the figures say how stale.
                ai.mercury.replication.KafkaItemLog.Status r = log.status();
                body.put("replication", new JsonObject().put("catalog_offset", r.offset()).put("lag", r.lag()).put("reachable", r.reachable()));
            }
            sendJson(ctx, 200, body);
        }
    }

    /** The one failure handler ({@link ErrorResponses#onFailure}): typed API errors keep their status; anything else is a 500 with a generic message. */
    private void onFailure(RoutingContext ctx) {
        ErrorResponses.onFailure(ctx, bodyLimit(ctx));
    }

    private static void sendError(RoutingContext ctx, int status, String code, String message) {
        ErrorResponses.sendError(ctx, status, code, message);
    }

    /** Answers {@code body} as JSON with {@code status}; shared by the admin and item routes. */
    static void sendJson(RoutingContext ctx, int status, JsonObject body) {
        ErrorResponses.sendJson(ctx, status, body);
    }

    /** The failure a {@code CompletableFuture} handed to a route completed with, without its CompletionException wrapper. */
    static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null ? ce.getCause() : t;
    }

    /** The body limit of the route that refused the body: {@code POST /events} has its own ({@code events.max_body_bytes}). */
    private long bodyLimit(RoutingContext ctx) {
        return "/events".equals(ctx.request().path()) ? config.events().maxBodyBytes() : config.maxBodyBytes();
    }

    /**
     * Graceful: the server stops accepting connections, requests already received are answered
     * (their connections close after the response), and whatever is still open after
     * {@code http.shutdown_grace_ms} is closed.
     */
    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture()
                : server.shutdown(config.shutdownGraceMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
