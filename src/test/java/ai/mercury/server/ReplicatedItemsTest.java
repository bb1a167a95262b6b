package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.replication.KafkaBroker;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two in-process servers kept consistent through a real single-node KRaft broker (Kafka's own
 * jars, in this JVM): a write on one is read back at once on that one and soon on the other, a
 * replica started later rebuilds the live catalog from the topic, and with the broker gone reads
 * go on while writes answer 503 {@code unavailable}. The multi-process version with kill -9 and a
 * broker outage is {@code ReplicationIT}.
 */
class ReplicatedItemsTest {
    private static final String TOKEN = "replication-test-token";
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker(@TempDir Path dir) throws Exception {
        broker = KafkaBroker.start("127.0.0.1", "127.0.0.1", 0, dir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    private static Map<String, Object> replica(String topic) {
        Map<String, Object> o = new HashMap<>();
        o.put("admin.token", TOKEN);
        o.put("swap.watch", false);
        o.put("replication.kafka.bootstrap_servers", broker.bootstrapServers());
        o.put("replication.kafka.items_topic", topic);
        o.put("replication.kafka.write_timeout_ms", 3_000);
        return o;
    }

    private static JsonObject item(String title, double price) {
        return new JsonObject().put("title", title).put("price", price).put("category", "home");
    }

    private static HttpResponse<Buffer> put(ServerHarness h, String id, JsonObject item) {
        return h.send(HttpMethod.PUT, "/items/" + id, TOKEN, item.encode());
    }

    /** Polls {@code GET path} on {@code h} until {@code ok} holds (30 s at most, generous for a busy machine). */
    private static HttpResponse<Buffer> eventually(ServerHarness h, String path, Predicate<HttpResponse<Buffer>> ok) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        HttpResponse<Buffer> r;
        do {
            r = path.startsWith("/admin") || path.startsWith("/sessions") ? h.admin(HttpMethod.GET, path) : h.get(path);
            if (ok.test(r)) return r;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("GET " + path + " never satisfied the condition; last: " + r.statusCode() + " " + r.bodyAsString());
    }

    private static String digest(ServerHarness h) {
        HttpResponse<Buffer> r = h.admin(HttpMethod.GET, "/admin/catalog/digest");
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject().getString("sha256");
    }

    /** {@code name{topic="topic"}} (or untagged {@code name} when topic is null) on h's /metrics, NaN when absent. */
    private static double metric(ServerHarness h, String name, String topic) {
        String prefix = topic == null ? name + " " : name + "{";
        for (String line : h.get("/metrics").bodyAsString().split("\n")) {
            if (line.startsWith(prefix) && (topic == null || line.contains("topic=\"" + topic + "\""))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
            }
        }
        return Double.NaN;
    }

    /** Waits (30 s at most) until {@code name} on {@code h} equals {@code expected}. */
    private static void eventuallyMetric(ServerHarness h, String name, String topic, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (metric(h, name, topic) != expected && System.nanoTime() < deadline) Thread.sleep(50);
        assertEquals(expected, metric(h, name, topic), name + " on /metrics");
    }

    @Test
    void writesOnOneReplicaReachTheOtherAReplicaStartedLaterAndSurviveABrokerOutageOfReads(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        String topic = "items-" + UUID.randomUUID();
        try (ServerHarness a = new ServerHarness(artifacts, replica(topic)); ServerHarness b = new ServerHarness(artifacts, replica(topic))) {
            assertTrue(a.awaitInitialLoad());
            assertTrue(b.awaitInitialLoad());

            // The replication meters exist from the start: at offset 0, nothing behind, the cluster reachable.
            assertEquals(0.0, metric(a, "mercury_replication_offset", topic));
            assertEquals(0.0, metric(a, "mercury_replication_lag", topic));
            assertEquals(1.0, metric(a, "mercury_replication_reachable", null));
            assertEquals(0.0, metric(a, "mercury_replication_lag", "mercury.events"), "the events topic has its lag too");

            // Read-your-writes on the replica that took the write; the other applies it from the topic.
            HttpResponse<Buffer> created = put(a, "R-1", item("Replicated paper lantern", 4.5));
            assertEquals(201, created.statusCode(), created.bodyAsString());
            assertEquals(true, created.bodyAsJsonObject().getBoolean("applied"));
            assertEquals(1L, created.bodyAsJsonObject().getLong("journal_seq"), "the first write of the topic: offset 0, sequence 1");
            assertEquals(200, a.get("/items/R-1").statusCode());
            eventually(b, "/items/R-1", r -> r.statusCode() == 200);

            // An update on the other replica, and a delete of a bundle item, travel back.
            HttpResponse<Buffer> updated = put(b, "R-1", item("Replicated paper lantern", 5.25));
            assertEquals(200, updated.statusCode(), updated.bodyAsString());
            eventually(a, "/items/R-1", r -> r.statusCode() == 200 && r.bodyAsJsonObject().getJsonObject("item").getDouble("price") == 5.25);
            assertEquals(200, a.send(HttpMethod.DELETE, "/items/A001", TOKEN, null).statusCode());
            eventually(b, "/items/A001", r -> r.statusCode() == 404);
            HttpResponse<Buffer> recommended = b.recommend(new JsonObject().put("k", 100));
            assertEquals(FixtureBundle.ITEMS.size(), recommended.bodyAsJsonObject().getJsonArray("items").size(), "12 bundle items - A001 + R-1");

            eventually(b, "/admin/catalog/digest", r -> r.statusCode() == 200 && r.bodyAsJsonObject().getLong("applied_seq") == 3);
            assertEquals(digest(a), digest(b));
            // ... and they moved: b applied all three writes (one its own), a produced two, nothing failed or is behind.
            assertEquals(3.0, metric(b, "mercury_replication_offset", topic));
            eventuallyMetric(b, "mercury_replication_lag", topic, 0.0);
            assertEquals(3.0, metric(b, "mercury_replication_records_applied_total", topic));
            assertEquals(2.0, metric(a, "mercury_replication_produced_total", topic));
            assertEquals(1.0, metric(b, "mercury_replication_produced_total", topic));
            assertEquals(0.0, metric(a, "mercury_replication_produce_failures_total", topic));
            assertTrue(metric(b, "mercury_replication_contact_age_seconds", null) < 30, "b heard from the cluster just now");
            JsonObject ready = b.get("/health/ready").bodyAsJsonObject().getJsonObject("replication");
            assertEquals(3L, ready.getLong("catalog_offset"));
            assertEquals(0L, ready.getLong("lag"));
            JsonObject status = b.admin(HttpMethod.GET, "/admin/replication").bodyAsJsonObject();
            assertEquals("kafka", status.getString("mode"));
            assertEquals(topic, status.getJsonObject("catalog").getString("topic"));

            // A replica started now reads the topic before it serves: the same catalog at once.
            try (ServerHarness c = new ServerHarness(artifacts, replica(topic))) {
                assertTrue(c.awaitInitialLoad());
                assertEquals(5.25, c.get("/items/R-1").bodyAsJsonObject().getJsonObject("item").getDouble("price"));
                assertEquals(404, c.get("/items/A001").statusCode());
                assertEquals(digest(a), digest(c));
            }

            // Sessions: events taken by one replica are recorded by the other (by session id), and so is forgetting.
            JsonObject events = new JsonObject().put("events", new io.vertx.core.json.JsonArray()
                    .add(new JsonObject().put("event_type", "view").put("session_id", "s-rep").put("item_id", "A002"))
                    .add(new JsonObject().put("event_type", "click").put("session_id", "s-rep").put("item_id", "B001")));
            assertEquals(200, a.post("/events", "application/json", events.encode()).statusCode());
            // Each event is its own record: b may show the session after the first and before the second.
            HttpResponse<Buffer> session = eventually(b, "/sessions/s-rep", r -> r.statusCode() == 200 && r.bodyAsString().contains("B001"));
            assertTrue(session.bodyAsString().contains("A002"), session.bodyAsString());
            HttpResponse<Buffer> personal = b.recommend(new JsonObject().put("session_id", "s-rep").put("k", 3));
            assertEquals(2, personal.bodyAsJsonObject().getJsonObject("history_used").getInteger("count"), personal.bodyAsString());
            assertEquals(200, a.admin(HttpMethod.DELETE, "/sessions/s-rep").statusCode());
            eventually(b, "/sessions/s-rep", r -> r.statusCode() == 404);
            assertTrue(metric(b, "mercury_replication_records_applied_total", "mercury.events") >= 3, "the two events and the forget, applied on b");

            // How fast a replica takes the other replicas' events (a figure for docs/scale-out.md, not a bar: this machine is shared).
            long applied0 = b.admin(HttpMethod.GET, "/admin/replication").bodyAsJsonObject().getJsonObject("events").getLong("applied");
            int batches = 20;
            long e0 = System.nanoTime();
            for (int n = 0; n < batches; n++) {
                io.vertx.core.json.JsonArray batch = new io.vertx.core.json.JsonArray();
                for (int i = 0; i < 500; i++) batch.add(new JsonObject().put("event_type", "view").put("session_id", "load-" + (i % 50)).put("item_id", "C00" + (1 + i % 4)));
                assertEquals(200, a.post("/events", "application/json", new JsonObject().put("events", batch).encode()).statusCode());
            }
            eventually(b, "/admin/replication", r -> r.bodyAsJsonObject().getJsonObject("events").getLong("applied") >= applied0 + batches * 500L);
            System.out.printf("replication test: %d events posted to one replica were in the other's sessions after %d ms%n",
                    batches * 500, (System.nanoTime() - e0) / 1_000_000);

            // The broker goes away: reads answer as before, writes answer 503 unavailable (never hang, never 2xx).
            broker.close();
            broker = null;
            long t0 = System.nanoTime();
            HttpResponse<Buffer> refused = put(a, "R-2", item("Written while the broker is down", 1.0));
            long refusedMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, refused.statusCode(), refused.bodyAsString());
            assertEquals("unavailable", refused.bodyAsJsonObject().getString("error"));
            assertNotNull(refused.getHeader("retry-after"));
            assertEquals(200, a.get("/items/R-1").statusCode());
            assertEquals(200, b.recommend(new JsonObject().put("k", 3)).statusCode());
            assertEquals(404, a.get("/items/R-2").statusCode());
            eventuallyMetric(a, "mercury_replication_reachable", null, 0.0); // what an operator alerts on
            eventuallyMetric(b, "mercury_replication_reachable", null, 0.0);
            System.out.printf("replication test: a write with the broker down answered 503 in %d ms%n", refusedMs);
        }
    }

    @Test
    void aTopicCompressedWithACodecTheJarLeavesOutIsRefusedAtStart(@TempDir Path artifacts, @TempDir Path kafka) throws Exception {
        FixtureBundle.copyTo(artifacts);
        if (broker == null) broker = KafkaBroker.start("127.0.0.1", "127.0.0.1", 0, kafka); // the outage test stopped the shared one
        String topic = "zstd-items-" + UUID.randomUUID();
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact", "compression.type", "zstd")))).all().get();
        }
        Map<String, Object> o = new HashMap<>(Map.of("http.port", 0, "artifacts.dir", artifacts.toString(),
                "items.journal_dir", ServerHarness.tempJournalDir(), "events.dir", ServerHarness.tempJournalDir()));
        o.putAll(replica(topic));
        MercuryConfig config = MercuryConfig.load(null, Map.of(), o);
        Exception e = assertThrows(Exception.class, () -> MercuryServer.start(config).toCompletionStage().toCompletableFuture().get());
        assertTrue(String.valueOf(e.getMessage()).contains("compression.type=zstd"), e.toString());
    }

    @Test
    void aReplicaThatCannotReachTheBrokerDoesNotStart(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        Map<String, Object> o = new HashMap<>(Map.of("http.port", 0, "artifacts.dir", artifacts.toString(),
                "items.journal_dir", ServerHarness.tempJournalDir(), "events.dir", ServerHarness.tempJournalDir()));
        o.put("replication.kafka.bootstrap_servers", "127.0.0.1:" + KafkaBroker.class.getName().length()); // a port nothing listens on
        o.put("replication.kafka.startup_timeout_ms", 1_500);
        MercuryConfig config = MercuryConfig.load(null, Map.of(), o);
        Exception e = assertThrows(Exception.class, () -> MercuryServer.start(config).toCompletionStage().toCompletableFuture().get());
        assertTrue(String.valueOf(e.getMessage()).contains("replication.kafka.bootstrap_servers"), e.toString());
    }
}
