package ai.mercury.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read traffic for the swap tests: several clients that each fire {@code /recommend} back to back
 * (the next request when the last answer arrived) on the harness's client Vert.x, recording every
 * failure (non-2xx, transport error, short page), every model version seen and when each was first
 * seen. Not a load generator for measurements (that is {@code ai.mercury.bench.LoadGenerator}).
 * The records are concurrent collections, read by the test thread while the clients run.
 */
final class RecommendTraffic implements AutoCloseable {
    static final int K = 5;
    private static final Buffer BODY = new JsonObject().put("context", new JsonObject().put("country", "France"))
            .put("history", new JsonArray().add("A001")).put("k", K).toBuffer();

    private final ServerHarness harness;
    private final int clients;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch stopped;
    final AtomicLong responses = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final Map<String, Long> firstSeenNanos = new ConcurrentHashMap<>();
    final Set<String> versions = ConcurrentHashMap.newKeySet();

    RecommendTraffic(ServerHarness harness, int clients) {
        this.harness = harness;
        this.clients = clients;
        this.stopped = new CountDownLatch(clients);
    }

    RecommendTraffic start() {
        for (int i = 0; i < clients; i++) harness.clientVertx.runOnContext(v -> fire());
        return this;
    }

    private void fire() {
        if (stop.get()) {
            stopped.countDown();
            return;
        }
        harness.client.post(harness.server.port(), "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
                .sendBuffer(BODY).onComplete(ar -> {
                    if (ar.failed()) {
                        failures.add("transport: " + ar.cause());
                    } else {
                        record(ar.result());
                    }
                    fire();
                });
    }

    private void record(HttpResponse<Buffer> r) {
        responses.incrementAndGet();
        if (r.statusCode() / 100 != 2) {
            failures.add(r.statusCode() + " " + r.bodyAsString());
            return;
        }
        JsonObject body = r.bodyAsJsonObject();
        String version = body.getString("model_version");
        if (body.getJsonArray("items").size() != K) failures.add("short page from " + version + ": " + body.encode());
        versions.add(version);
        firstSeenNanos.putIfAbsent(version, System.nanoTime());
    }

    /** Waits until {@code n} more responses than now have arrived. */
    void awaitResponses(long n) {
        long target = responses.get() + n;
        Drops.await(() -> responses.get() >= target || !failures.isEmpty(), java.time.Duration.ofSeconds(20),
                () -> responses.get() + " responses, waiting for " + target);
    }

    @Override
    public void close() {
        stop.set(true);
        try {
            if (!stopped.await(20, TimeUnit.SECONDS)) throw new AssertionError("the traffic clients did not stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
