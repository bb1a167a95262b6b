package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.lifecycle.BundleDirs;
import ai.mercury.lifecycle.BundleStatus;
import ai.mercury.lifecycle.LifecycleException;
import ai.mercury.lifecycle.ServingLifecycle;
import ai.mercury.live.CatalogDigest;
import ai.mercury.live.LiveItems;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import ai.mercury.replication.KafkaItemLog;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The admin API on the event loop: bearer-token check, then {@code GET /admin/bundles},
 * {@code POST /admin/bundles/{version}/activate} and {@code DELETE /admin/bundles/pin}. The work
 * (disk, loads) happens on the {@link ServingLifecycle}'s bundle thread; this class only renders its
 * immutable status. Without a configured token every admin route answers 401.
 */
final class AdminRoutes {
    private final MercuryConfig.Secret token;
    private final ServingLifecycle bundles;
    private final SnapshotRegistry snapshots;

    AdminRoutes(MercuryConfig config, ServingLifecycle bundles, SnapshotRegistry snapshots) {
        this.token = config.adminToken();
        this.bundles = bundles;
        this.snapshots = snapshots;
    }

    void mount(Router router) {
        router.route("/admin/*").handler(this::authenticate);
        router.get("/admin/bundles").handler(ctx -> HttpVerticle.sendJson(ctx, 200, render(bundles.status(), snapshots)));
        router.post("/admin/bundles/:version/activate").handler(this::activate);
        router.delete("/admin/bundles/pin").handler(ctx -> reply(ctx, bundles.unpin()));
        router.get("/admin/replication").handler(ctx -> HttpVerticle.sendJson(ctx, 200, replication(bundles)));
        router.get("/admin/catalog/digest").handler(this::digest);
    }

    /** How this replica's catalog is kept: the local journal, or the Kafka topic with the consumer's position and lag. */
    static JsonObject replication(ServingLifecycle lifecycle) {
        LiveItems live = lifecycle.liveItems();
        KafkaItemLog log = lifecycle.itemLog();
        JsonObject out = new JsonObject().put("mode", live == null ? "off" : log == null ? "journal" : "kafka")
                .put("applied_seq", live == null ? null : live.appliedSequence());
        if (log != null) {
            KafkaItemLog.Status s = log.status();
            out.put("catalog", new JsonObject().put("topic", s.topic()).put("reachable", s.reachable()).put("following", s.following())
                    .put("offset", s.offset()).put("end_offset", s.endOffset()).put("lag", s.lag())
                    .put("last_contact_at", time(s.lastContactAt())).put("last_error", s.lastError())
                    .put("records_applied", s.recordsApplied()).put("records_skipped", s.recordsSkipped())
                    .put("produced", s.produced()).put("produce_failures", s.produceFailures()).put("writes_withdrawn", s.withdrawn()).put("startup_catch_up_ms", s.startupCatchUpMs()));
        }
        ai.mercury.replication.KafkaEventLog events = lifecycle.eventLog();
        if (events != null) {
            ai.mercury.replication.KafkaEventLog.Status e = events.status();
            out.put("events", new JsonObject().put("topic", e.topic()).put("replica_id", e.replicaId()).put("partitions", e.partitions())
                    .put("following", e.following()).put("lag", e.lag()).put("produced", e.produced()).put("produce_failures", e.produceFailures())
                    .put("applied", e.applied()).put("skipped_own", e.skippedOwn()).put("unreadable", e.unreadable()).put("last_error", e.lastError()));
        }
        return out;
    }

    /** The serving catalog's digest, taken between two live writes, on a worker (it walks the whole catalog). */
    private void digest(RoutingContext ctx) {
        LiveItems live = bundles.liveItems();
        ctx.vertx().executeBlocking(() -> {
            if (live != null) return live.digest();
            Snapshot s = bundles.snapshots().peek();
            return s == null ? null : CatalogDigest.of(s, 0);
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause() instanceof ai.mercury.live.LiveWriteException
                        ? new ApiException(503, "shutting_down", "the server is shutting down") : ar.cause());
            } else if (ar.result() == null) {
                ctx.fail(new ApiException(503, "no_model", "no model bundle is loaded yet; see /health/ready"));
            } else {
                CatalogDigest d = ar.result();
                HttpVerticle.sendJson(ctx, 200, new JsonObject().put("sha256", d.sha256()).put("items", d.items())
                        .put("model_version", d.modelVersion()).put("applied_seq", d.appliedSeq()));
            }
        });
    }

    /** Passes requests that carry the admin bearer token; 401 otherwise. Also guards the /items writes. */
    void authenticate(RoutingContext ctx) {
        if (token.isEmpty()) {
            throw unauthorized(ctx, "the admin endpoints are disabled: no admin token is configured (set admin.token or MERCURY_ADMIN_TOKEN)");
        }
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (presented == null) throw unauthorized(ctx, "send the admin token as 'Authorization: Bearer <token>'");
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.value().getBytes(StandardCharsets.UTF_8))) {
            throw unauthorized(ctx, "the bearer token is not the admin token");
        }
        ctx.next();
    }

    private static ApiException unauthorized(RoutingContext ctx, String message) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"mercury-admin\"");
        return new ApiException(401, "unauthorized", message);
    }

    private void activate(RoutingContext ctx) {
        String version = ctx.pathParam("version");
        if (version == null || !version.matches(BundleDirs.VERSION_PATTERN)) {
            throw ApiException.badRequest("'" + version + "' is not a bundle version (" + BundleDirs.VERSION_PATTERN + ")");
        }
        reply(ctx, bundles.activate(version));
    }

    private void reply(RoutingContext ctx, CompletableFuture<BundleStatus> work) {
        Future.fromCompletionStage(work, ctx.vertx().getOrCreateContext()).onComplete(ErrorResponses.guard(ctx, ar -> {
            if (ar.succeeded()) {
                HttpVerticle.sendJson(ctx, 200, render(ar.result(), snapshots));
            } else {
                ctx.fail(toApi(HttpVerticle.unwrap(ar.cause())));
            }
        }));
    }

    /** A lifecycle refusal as the API error it stands for; anything else stays as it is (a 500). */
    static Throwable toApi(Throwable t) {
        if (!(t instanceof LifecycleException e)) return t;
        int status = switch (e.kind()) {
            case UNKNOWN_VERSION -> 404;
            case REJECTED -> 409;
            case STATE_NOT_WRITTEN -> 500;
            case SHUTTING_DOWN -> 503;
        };
        return new ApiException(status, e.code(), e.getMessage());
    }

    /** The status as JSON; the active bundle's {@code healthy} comes from the serving snapshot (requests mark it). */
    static JsonObject render(BundleStatus s, SnapshotRegistry snapshots) {
        JsonObject out = new JsonObject().put("artifacts_dir", s.artifactsDir().toString());
        BundleStatus.Active a = s.active();
        JsonObject active = a == null ? null : new JsonObject().put("version", a.version()).put("activated_at", time(a.activatedAt()))
                .put("cause", a.cause()).put("items", a.items()).put("index", a.index());
        if (active != null) {
            Snapshot serving = snapshots.peek();
            String unhealthy = serving != null && serving.version().equals(a.version()) ? serving.unhealthyReason() : null;
            active.put("healthy", unhealthy == null);
            if (unhealthy != null) active.put("unhealthy_reason", "model_output_invalid").put("unhealthy_message", unhealthy);
        }
        out.put("active", active);
        BundleStatus.Pin p = s.pin();
        out.put("pin", p == null ? null : new JsonObject().put("version", p.version()).put("state", p.state()).put("message", p.message()));
        JsonArray dirs = new JsonArray();
        for (BundleStatus.Dir d : s.bundles()) {
            JsonObject o = new JsonObject().put("version", d.version()).put("state", d.state());
            if (d.detail() != null) o.put("detail", d.detail());
            dirs.add(o.put("unchanged_ms", d.unchangedMs()).put("served_before", d.servedBefore()));
        }
        out.put("bundles", dirs);
        JsonArray history = new JsonArray();
        for (BundleStatus.Activation h : s.history()) {
            history.add(new JsonObject().put("version", h.version()).put("activated_at", time(h.activatedAt()))
                    .put("retired_at", time(h.retiredAt())).put("load_ms", h.loadMs()).put("cause", h.cause()));
        }
        out.put("history", history);
        JsonArray rejections = new JsonArray();
        for (BundleStatus.Rejection r : s.rejections()) {
            rejections.add(new JsonObject().put("version", r.version()).put("reason", r.reason()).put("message", r.message()).put("at", time(r.at())));
        }
        out.put("rejections", rejections);
        out.put("watch", new JsonObject().put("notifications", s.watching()).put("scans", s.scans()).put("last_scan_at", time(s.lastScanAt())));
        return out;
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
