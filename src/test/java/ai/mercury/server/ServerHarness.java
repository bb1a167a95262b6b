package ai.mercury.server;

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

    ServerHarness(Path artifacts, Map<String, Object> overrides) {
        Map<String, Object> all = new java.util.HashMap<>(Map.of("http.port", 0, "http.host", "127.0.0.1",
                "artifacts.dir", artifacts.toString(), "inference.warmup_queries", 2));
        all.putAll(overrides);
        MercuryConfig config = MercuryConfig.load(null, Map.of(), all);
        VertxOptions options = new VertxOptions()
                .setBlockedThreadCheckInterval(20).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
        server = await(MercuryServer.start(config, options));
        ((VertxInternal) server.vertx()).blockedThreadChecker().setThreadBlockedHandler(event -> {
            if (event.thread().getName().contains("eventloop")) blockedEventLoops.add(event.toString());
        });
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
