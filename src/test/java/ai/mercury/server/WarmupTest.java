package ai.mercury.server;

import ai.mercury.model.Snapshot;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server warms its request path before it reports ready, and a new bundle's before it is published. */
class WarmupTest {
    @TempDir
    Path artifacts;

    @Test
    void notReadyUntilTheHttpWarmupRan_thenReady_andTheWarmupWentThroughTheWholePath() throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("warmup.http_seconds", 2, "warmup.http_max_seconds", 0))) {
            assertTrue(h.awaitInitialLoad());
            HttpResponse<Buffer> early = h.get("/health/ready");
            assertEquals(503, early.statusCode(), early.bodyAsString());
            assertEquals("warming_up", early.bodyAsJsonObject().getString("error"));
            Drops.await(() -> h.get("/health/ready").statusCode() == 200, Duration.ofSeconds(30), () -> "still warming up");
            // the warm-up requests were real /recommend requests through HTTP, dispatch and the workers
            double served = h.metric("mercury_recommend_seconds_count");
            assertTrue(served >= 1, "warm-up requests served: " + served); // how many depends on the machine's load
            assertTrue(h.metric("vertx_http_server_requests_total{code=\"200\",method=\"POST\",route=\"/recommend\"}") >= served - 1);
        }
    }

    /** Past its minimum the warm-up goes on only while the JIT compiles: never shorter than the minimum, never longer than the maximum. */
    @Test
    void httpWarmupRunsAtLeastItsMinimumAndStopsByItselfBeforeItsMaximum() {
        onServingSnapshot((h, s) -> {
            long t0 = System.nanoTime();
            int sent = ServerHarness.await(Warmup.overHttp(h.server.vertx(), h.server.port(), h.server.config(), s, 1, 20));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(sent >= 1, "requests sent: " + sent);
            assertTrue(seconds >= 1.0, "ran " + seconds + " s, below its minimum of 1 s");
            assertTrue(seconds < 25, "ran " + seconds + " s, past its maximum of 20 s");
            assertEquals(0, ServerHarness.await(Warmup.overHttp(h.server.vertx(), h.server.port(), h.server.config(), s, 0, 20)), "a minimum of 0 turns it off");
        });
    }

    /** The lanes open a new connection every few requests, so that the connection set-up code gets compiled before ready too. */
    @Test
    void httpWarmup_opensNewConnectionsAsItGoes_andSaysHowMany() {
        onServingSnapshot((h, s) -> {
            try (LogCapture logs = new LogCapture()) {
                int sent = ServerHarness.await(Warmup.overHttp(h.server.vertx(), h.server.port(), h.server.config(), s, 1, 1));
                String line = logs.from(Warmup.class.getName()).stream().map(java.util.logging.LogRecord::getMessage)
                        .filter(l -> l.startsWith("warmed with")).findFirst().orElseThrow();
                var m = java.util.regex.Pattern.compile("on (\\d+) connections \\((\\d+) of them on").matcher(line);
                assertTrue(m.find(), line);
                int connections = Integer.parseInt(m.group(1)), onBursts = Integer.parseInt(m.group(2));
                int lanes = connections - onBursts;
                assertTrue(lanes >= (sent - onBursts) / Warmup.REQUESTS_PER_CONNECTION, "a new lane connection every "
                        + Warmup.REQUESTS_PER_CONNECTION + " requests: " + line);
            }
        });
    }

    @Test
    void httpWarmup_sendsTheHeadersOfManyClients_andEveryBranchOfTheDeviceRule() {
        java.util.Set<String> devices = new java.util.HashSet<>();
        for (String agent : Warmup.USER_AGENTS) devices.add(String.valueOf(ai.mercury.events.DeviceRules.device(agent)));
        assertEquals(java.util.Set.of("mobile", "tablet", "desktop", "null"), devices, "browsers of each class, and clients that are none");
        java.util.Set<String> heads = new java.util.HashSet<>();
        for (boolean gzip : new boolean[] {false, true}) {
            for (byte[] h : Warmup.heads(8080, gzip)) {
                String head = new String(h, java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(head.startsWith("POST /recommend HTTP/1.1\r\nHost: "), head);
                assertTrue(head.endsWith("\r\nContent-Type: application/json\r\nContent-Length: "), head);
                heads.add(head);
            }
        }
        assertTrue(heads.stream().anyMatch(h -> !h.contains("User-Agent")), "a client without User-Agent");
        assertTrue(heads.stream().anyMatch(h -> h.contains("Host: localhost:8080")) && heads.stream().anyMatch(h -> h.contains("Host: 127.0.0.1:8080")));
        assertTrue(heads.stream().anyMatch(h -> h.matches("(?s).*Host: [a-z.]+\r\n.*")), "a host without a port, as a reverse proxy forwards it");
        assertTrue(heads.stream().anyMatch(h -> h.contains("Accept-Encoding: gzip")) && heads.stream().anyMatch(h -> h.contains("User-Agent") && !h.contains("gzip")));
        assertTrue(heads.stream().anyMatch(h -> h.contains("Accept-Encoding: gzip\r\n")) && heads.stream().anyMatch(h -> h.matches("(?s).*Accept-Encoding: [^\r]*br, zstd\r\n.*")),
                "a client asking for gzip alone, and browsers' longer lists (br, zstd)");
    }

    /** A burst's connections all get an answer, and the acceptor it held goes back to accepting. */
    @Test
    void connectionBurst_answersEveryConnection_andReleasesTheAcceptor() {
        onServingSnapshot((h, s) -> {
            var bodies = Warmup.encodedBodies(h.server.config(), s, 64, 5);
            double before = h.metric("vertx_http_server_requests_total{code=\"200\",method=\"POST\",route=\"/recommend\"}");
            if (Double.isNaN(before)) before = 0; // no request yet: no such series
            for (int round = 0; round < 3; round++) {
                assertEquals(Warmup.BURST, Warmup.connectionBurst(h.server.vertx(), h.server.port(), bodies, round), "answers in round " + round);
            }
            double after = h.metric("vertx_http_server_requests_total{code=\"200\",method=\"POST\",route=\"/recommend\"}");
            assertEquals(3.0 * Warmup.BURST, after - before, "each burst request answered 200 by /recommend");
            long t0 = System.nanoTime();
            assertEquals(200, h.get("/health/live").statusCode(), "a new connection after the bursts is accepted");
            assertTrue(System.nanoTime() - t0 < java.util.concurrent.TimeUnit.SECONDS.toNanos(5), "accepted promptly");
            assertTrue(h.blockedEventLoops.isEmpty(), "holding the acceptor does not stall an event loop: " + h.blockedEventLoops);
        });
    }

    @Test
    void inProcessWarmup_runsRepresentativeRequestsOnTheSnapshot() {
        onServingSnapshot((h, s) -> {
            assertTrue(Warmup.inProcess(h.server.config(), s, 1) >= 1);
            assertEquals(0, Warmup.inProcess(h.server.config(), s, 0), "0 turns it off");
            // every generated body is one the API accepts
            RequestParser parser = new RequestParser(h.server.config());
            for (var body : Warmup.bodies(h.server.config(), s, 100, 3)) parser.parse(body, java.time.Instant.now());
            // and within a shop's lower limits too: no warm-up of 400s
            var strict = ai.mercury.config.MercuryConfig.load(null, Map.of(), Map.of("limits.max_k", 5, "limits.max_history", 2, "limits.default_k", 5));
            RequestParser strictParser = new RequestParser(strict);
            int withHistory = 0;
            for (var body : Warmup.bodies(strict, s, Warmup.HTTP_BODIES, 7)) {
                strictParser.parse(body, java.time.Instant.now());
                if (body.containsKey("history")) withHistory++;
            }
            assertTrue(withHistory > 100, "histories kept, shortened: " + withHistory);
        });
    }

    @Test
    void clientErrorBodies_getA400_withAnswersOfManyLengthsUnder256Bytes() {
        onServingSnapshot((h, s) -> {
            java.util.Set<Integer> lengths = new java.util.TreeSet<>();
            for (int i = 0; i < 200; i++) {
                var r = h.post("/recommend", "application/json", new String(Warmup.clientErrorBody(i), StandardCharsets.US_ASCII));
                assertEquals(400, r.statusCode(), r.bodyAsString());
                int length = Integer.parseInt(r.getHeader("content-length"));
                assertTrue(length < 256, "under Vert.x's cache of 256 lengths: " + length);
                lengths.add(length);
            }
            assertTrue(lengths.size() > 100, "many lengths: " + lengths.size());
        });
    }

    @Test
    void quietJit_needsQuietSecondsInARow_atTheWarmupsFullRate() {
        Warmup.QuietJit q = new Warmup.QuietJit();
        long total = 0;
        assertFalse(q.second(10, total += 1000), "the first second has no rate yet");
        assertFalse(q.second(200, total += 1000), "busy");
        assertFalse(q.second(10, total += 1000), "one quiet second is not enough");
        assertTrue(q.second(10, total += 900), "two in a row at 90 % of the best rate");
        Warmup.QuietJit slowed = new Warmup.QuietJit();
        total = 0;
        slowed.second(300, total += 1000);
        slowed.second(300, total += 1000);
        assertFalse(slowed.second(5, total += 100), "little compiled because little ran: not quiet");
        assertFalse(slowed.second(5, total += 100), "still slowed");
        assertFalse(slowed.second(5, total += 1000), "back at full rate: the count starts again");
        assertTrue(slowed.second(5, total += 1000));
    }

    @Test
    void warmupBodies_takeTheShapesClientsSend() {
        onServingSnapshot((h, s) -> {
            var bodies = Warmup.bodies(h.server.config(), s, 256, 7);
            java.util.Set<String> timestampForms = new java.util.TreeSet<>();
            int kFirst = 0, kLast = 0, priced = 0;
            for (var body : bodies) {
                var names = new java.util.ArrayList<>(body.fieldNames());
                if (names.get(0).equals("k")) kFirst++;
                if (names.get(names.size() - 1).equals("k")) kLast++;
                if (body.getJsonObject("filters", new io.vertx.core.json.JsonObject()).containsKey("price_min")) priced++;
                String ts = body.getJsonObject("context").getString("timestamp");
                if (ts == null) continue;
                assertTrue(ai.mercury.core.IsoTimestamps.parse(ts) != null, ts);
                timestampForms.add(ts.endsWith("Z") ? (ts.contains(".") ? "fraction Z" : "Z") : ts.matches(".*[+-]\\d\\d:\\d\\d$") ? "offset" : "local");
            }
            assertTrue(kFirst > 50 && kLast > 50, "k both first (" + kFirst + ") and last (" + kLast + ")");
            assertEquals(java.util.Set.of("Z", "fraction Z", "offset", "local"), timestampForms);
        });
    }

    /**
     * Histories as real traffic sends them: some hold an id the bundle does not know (answered 200, in
     * unknown_history), some only products without co-occurrence counts (the cold start).
     */
    @Test
    void warmupHistories_includeUnknownIds_andProductsWithoutBaskets() {
        onServingSnapshot((h, s) -> {
            var bodies = Warmup.bodies(h.server.config(), s, Warmup.HTTP_BODIES, 7);
            int withUnknown = 0, coldOnly = 0;
            io.vertx.core.json.JsonObject unknownBody = null;
            for (var body : bodies) {
                var history = body.getJsonArray("history");
                if (history == null) continue;
                boolean anyUnknown = false, allCold = true;
                for (Object id : history) {
                    int o = s.catalog().ordinalOf((String) id);
                    if (o < 0) {
                        assertTrue(((String) id).startsWith(Warmup.UNKNOWN_ITEM_PREFIX), "an unknown id is the warm-up's own: " + id);
                        anyUnknown = true;
                    } else if (s.cooccurrenceNeighbour(o, 0) >= 0) {
                        allCold = false;
                    }
                }
                if (anyUnknown) {
                    withUnknown++;
                    unknownBody = body;
                }
                if (allCold && !anyUnknown) coldOnly++;
            }
            assertTrue(withUnknown >= 10 && withUnknown <= bodies.size() / 10, "about 1 history in 16 holds an unknown id: " + withUnknown);
            assertTrue(coldOnly >= 10, "histories of products without baskets: " + coldOnly);
            var r = h.post("/recommend", "application/json", unknownBody.encode());
            assertEquals(200, r.statusCode(), r.bodyAsString());
            var unknown = r.bodyAsJsonObject().getJsonArray("unknown_history");
            assertTrue(unknown.size() >= 1 && unknown.getString(0).startsWith(Warmup.UNKNOWN_ITEM_PREFIX), "echoed as unknown: " + unknown);
        });
    }

    /** Runs {@code test} on a server started with the fixture bundle, and on its serving snapshot (released after). */
    private void onServingSnapshot(BiConsumer<ServerHarness, Snapshot> test) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            assertTrue(h.awaitInitialLoad());
            Snapshot s = h.server.snapshots().acquire();
            try {
                test.accept(h, s);
            } finally {
                s.release();
            }
        }
    }
}
