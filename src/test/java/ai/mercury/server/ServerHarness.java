package ai.mercury.server;

import ai.mercury.config.MercuryConfig;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real Mercury server on port 0 for tests, with the blocked-thread checker tightened and wired
 * to record every event-loop stall (a test asserts there were none), plus a blocking HTTP client.
 */
final class ServerHarness implements AutoCloseable {
    final MercuryServer server;
    final Vertx clientVertx = Vertx.vertx();
    final WebClient client = WebClient.create(clientVertx);
    final List<String> blockedEventLoops = new CopyOnWriteArrayList<>();
    final String adminToken;
    /**
     * A stall longer than this is recorded. Blocking work on the loop (a bundle load, file I/O) takes
     * far longer; 100 ms gave false alarms on a busy CI host (CPU steal, GC pauses of 110-130 ms).
     */
    static final long BLOCKED_LOOP_MS = 300;

    ServerHarness(Path artifacts, Map<String, Object> overrides) {
        adminToken = (String) overrides.get("admin.token");
        Map<String, Object> all = new java.util.HashMap<>(Map.of("http.port", 0, "http.host", "127.0.0.1",
                "artifacts.dir", artifacts.toString(), "inference.warmup_queries", 2));
        all.put("items.journal_dir", tempJournalDir());
        all.put("events.dir", tempJournalDir()); // the event log is locked per directory too
        all.put("warmup.http_seconds", 0); // tests that want the warm-up set it; the others start and swap at once
        all.put("warmup.swap_seconds", 0);
        all.put("inference.max_loop_lag_ms", 0); // CI's shared cores make the loops lag: tests that want the shedding set it
        all.putAll(overrides);
        MercuryConfig config = MercuryConfig.load(null, Map.of(), all);
        VertxOptions options = new VertxOptions()
                .setBlockedThreadCheckInterval(20).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(BLOCKED_LOOP_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
        server = await(MercuryServer.start(config, options));
        ((VertxInternal) server.vertx()).blockedThreadChecker().setThreadBlockedHandler(event -> {
            if (event.thread().getName().contains("eventloop")) blockedEventLoops.add(event.toString());
        });
    }

    /** A fresh journal directory per server, so that servers in one test JVM never share (and lock) one. */
    static String tempJournalDir() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("mercury-journal-");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits until the start-up bundle load is over; returns whether a snapshot is serving. */
    boolean awaitInitialLoad() {
        await(server.indexManager().initialLoad());
        return server.snapshots().peek() != null;
    }

    HttpResponse<Buffer> post(String path, String contentType, String body) {
        var req = client.request(HttpMethod.POST, server.port(), "127.0.0.1", path);
        if (contentType != null) req.putHeader("content-type", contentType);
        return await(req.sendBuffer(Buffer.buffer(body)));
    }

    HttpResponse<Buffer> recommend(JsonObject body) {
        return post("/recommend", "application/json", body.encode());
    }

    HttpResponse<Buffer> get(String path) {
        return await(client.get(server.port(), "127.0.0.1", path).send());
    }

    /** A request with a JSON body and {@code Authorization: Bearer <token>} (none when token is null). */
    HttpResponse<Buffer> send(HttpMethod method, String path, String token, String jsonBody) {
        var req = client.request(method, server.port(), "127.0.0.1", path);
        if (token != null) req.putHeader("authorization", "Bearer " + token);
        if (jsonBody == null) return await(req.send());
        req.putHeader("content-type", "application/json");
        return await(req.sendBuffer(Buffer.buffer(jsonBody)));
    }

    /** An admin request with {@code Authorization: Bearer <token>} (none when token is null). */
    HttpResponse<Buffer> admin(HttpMethod method, String path, String token) {
        var req = client.request(method, server.port(), "127.0.0.1", path);
        if (token != null) req.putHeader("authorization", "Bearer " + token);
        return await(req.send());
    }

    /** An admin request with the configured token. */
    HttpResponse<Buffer> admin(HttpMethod method, String path) {
        return admin(method, path, adminToken);
    }

    /** {@code GET /admin/bundles} with the configured token; must be 200. */
    JsonObject bundles() {
        HttpResponse<Buffer> r = admin(HttpMethod.GET, "/admin/bundles");
        if (r.statusCode() != 200) throw new AssertionError("GET /admin/bundles: " + r.statusCode() + " " + r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    /** The entry of {@code version} in {@code bundles} of the admin status, or null. */
    JsonObject bundle(String version) {
        for (Object o : bundles().getJsonArray("bundles")) {
            if (((JsonObject) o).getString("version").equals(version)) return (JsonObject) o;
        }
        return null;
    }

    /** The version serving right now, read from the registry (no HTTP). */
    String activeVersion() {
        var s = server.snapshots().peek();
        return s == null ? null : s.version();
    }

    /** The model_version of a fresh /recommend answer (which must be 200). */
    String servedVersion() {
        HttpResponse<Buffer> r = recommend(new JsonObject().put("k", 3));
        if (r.statusCode() != 200) throw new AssertionError("/recommend: " + r.statusCode() + " " + r.bodyAsString());
        return r.bodyAsJsonObject().getString("model_version");
    }

    /** The value of a Prometheus sample line starting with {@code prefix} (name and labels), or NaN when absent. */
    double metric(String prefix) {
        for (String line : get("/metrics").bodyAsString().split("\n")) {
            if (line.startsWith(prefix + " ")) return Double.parseDouble(line.substring(prefix.length() + 1).trim());
        }
        return Double.NaN;
    }

    static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed: " + e, e);
        }
    }

    @Override
    public void close() {
        client.close();
        await(clientVertx.close());
        server.close();
    }
}
