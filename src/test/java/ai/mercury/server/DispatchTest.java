package ai.mercury.server;

import ai.mercury.config.DispatchConfig;
import ai.mercury.config.MercuryConfig;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.SnapshotRegistry;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link Dispatcher}: inline and handed-off requests answer alike, and admission control refuses with 503 instead of queueing. */
class DispatchTest {
    private static final List<JsonObject> BODIES = List.of(
            new JsonObject().put("context", new JsonObject().put("country", "France").put("timestamp", "2011-11-04T09:30:00Z")).put("k", 5),
            new JsonObject().put("context", new JsonObject().put("timestamp", "2011-12-01T18:00:00Z"))
                    .put("history", new JsonArray().add("C001").add("ZZZ")).put("k", 12),
            new JsonObject().put("context", new JsonObject().put("timestamp", "2011-12-01T18:00:00Z"))
                    .put("filters", new JsonObject().put("categories", new JsonArray().add("bags"))).put("k", 3),
            new JsonObject().put("context", new JsonObject().put("timestamp", "2011-12-01T18:00:00Z")).put("k", 500)); // not cheap: handed off

    @Test
    void inlineAndHandedOff_sameAnswers(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        List<List<String>> answers = new ArrayList<>();
        for (boolean inline : new boolean[] {true, false}) {
            try (ServerHarness h = new ServerHarness(artifacts, Map.of("inference.inline_when_idle", inline))) {
                assertTrue(h.awaitInitialLoad());
                List<String> got = new ArrayList<>();
                for (JsonObject body : BODIES) {
                    var r = h.recommend(body);
                    assertEquals(200, r.statusCode(), "inline " + inline + ": " + r.bodyAsString());
                    got.add(r.bodyAsString().replaceFirst("\"took_ms\":[0-9.eE-]+,", "").replaceFirst("\"recommendation_id\":\"[^\"]*\",", ""));
                }
                var bad = h.recommend(new JsonObject().put("k", 0));
                assertEquals(400, bad.statusCode(), bad.bodyAsString());
                answers.add(got);
                assertTrue(h.blockedEventLoops.isEmpty(), "inline " + inline + ": " + h.blockedEventLoops);
            }
        }
        assertEquals(answers.get(0), answers.get(1));
    }

    /**
     * The edge refusal over HTTP: every server event loop stalls 50 ms at a time (as a loop far past
     * capacity does), so its lag probe fires about 40 ms late each time; requests read between the
     * stalls get 503 {@code overloaded} before their body is parsed, and answers resume once the
     * stalls stop.
     */
    @Test
    void whileTheEventLoopIsBehind_newRecommendsGet503AtTheEdge_thenAnswersResume(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("inference.max_loop_lag_ms", 30))) {
            assertTrue(h.awaitInitialLoad());
            JsonObject body = BODIES.get(0);
            assertEquals(200, h.recommend(body).statusCode(), "a calm loop answers");
            long stallUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
            for (io.netty.util.concurrent.EventExecutor loop : ((io.vertx.core.internal.VertxInternal) h.server.vertx()).eventLoopGroup()) {
                stallRepeatedly(loop, stallUntil);
            }
            int answered = 0, refused = 0;
            while (System.nanoTime() < stallUntil) {
                HttpResponse<Buffer> r = h.recommend(body);
                if (r.statusCode() == 200) {
                    answered++;
                    continue;
                }
                assertEquals(503, r.statusCode(), r.bodyAsString());
                JsonObject error = r.bodyAsJsonObject();
                assertEquals("overloaded", error.getString("error"));
                assertTrue(error.getString("message").contains("behind"), error.encode());
                assertEquals("1", r.getHeader("Retry-After"));
                refused++;
            }
            assertTrue(refused >= 1, "requests between the stalls are refused: " + answered + " answered, " + refused + " refused");
            // The stalls are over: the next probe on time ends the refusals (a busy CI host may still lag now and then).
            int resumed = 0;
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); resumed < 10 && System.nanoTime() < until; ) {
                if (h.recommend(body).statusCode() == 200) resumed++;
            }
            assertEquals(10, resumed, "answers resume once the loop keeps up");
            assertTrue(h.metric("mercury_requests_shed_total{reason=\"loop_lag\"}") >= refused, "the refusals are counted");
        }
    }

    /** Blocks {@code loop} for 50 ms, then again 1 ms later, until {@code untilNanos}: timers due meanwhile fire late, I/O runs in the gaps. */
    private static void stallRepeatedly(io.netty.util.concurrent.EventExecutor loop, long untilNanos) {
        loop.schedule(() -> {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (System.nanoTime() < end) {
                java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
            }
            if (System.nanoTime() < untilNanos) stallRepeatedly(loop, untilNanos);
        }, 1, TimeUnit.MILLISECONDS);
    }

    @Test
    void pastMaxInFlight_503OverloadedWithRetryAfter_noneFail(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("inference.max_in_flight", 1, "inference.inline_when_idle", false))) {
            assertTrue(h.awaitInitialLoad());
            JsonObject body = new JsonObject().put("k", 1000).put("context", new JsonObject().put("country", "France"));
            List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
            for (int i = 0; i < 64; i++) sent.add(h.client.post(h.server.port(), "127.0.0.1", "/recommend").sendJsonObject(body));
            Future.join(sent).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            int ok = 0, shed = 0;
            for (Future<HttpResponse<Buffer>> f : sent) {
                HttpResponse<Buffer> r = f.result();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(503, r.statusCode(), r.bodyAsString());
                    assertEquals("overloaded", r.bodyAsJsonObject().getString("error"));
                    assertEquals("1", r.getHeader("Retry-After"));
                    shed++;
                }
            }
            assertTrue(ok >= 1 && shed >= 1, ok + " answered, " + shed + " shed");
            String metrics = h.get("/metrics").bodyAsString();
            assertTrue(metrics.contains("mercury_requests_shed_total{reason=\"max_in_flight\"}"), "the refusals are counted");
        }
    }

    @Test
    void expensiveRequests_haveTheirOwnSmallerCap_cheapOnesPass(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("inference.max_in_flight_expensive", 1, "inference.expensive.k", 500,
                "inference.inline_when_idle", false))) {
            assertTrue(h.awaitInitialLoad());
            JsonObject expensive = new JsonObject().put("k", 1000);
            JsonObject cheap = new JsonObject().put("k", 5);
            List<Future<HttpResponse<Buffer>>> expensiveSent = new ArrayList<>();
            List<Future<HttpResponse<Buffer>>> cheapSent = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                expensiveSent.add(h.client.post(h.server.port(), "127.0.0.1", "/recommend").sendJsonObject(expensive));
                cheapSent.add(h.client.post(h.server.port(), "127.0.0.1", "/recommend").sendJsonObject(cheap));
            }
            List<Future<HttpResponse<Buffer>>> all = new ArrayList<>(expensiveSent);
            all.addAll(cheapSent);
            Future.join(all).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            int shed = 0;
            for (Future<HttpResponse<Buffer>> f : expensiveSent) {
                HttpResponse<Buffer> r = f.result();
                if (r.statusCode() != 200) {
                    assertEquals(503, r.statusCode(), r.bodyAsString());
                    assertTrue(r.bodyAsJsonObject().getString("message").contains("expensive"), r.bodyAsString());
                    shed++;
                }
            }
            for (Future<HttpResponse<Buffer>> f : cheapSent) assertEquals(200, f.result().statusCode(), "cheap requests are not capped");
            assertTrue(shed >= 1, "some of 64 concurrent k = 1000 requests were refused at a cap of 1");
            assertTrue(h.metric("mercury_requests_shed_total{reason=\"max_in_flight_expensive\"}") >= shed);
        }
    }

    @Test
    void worker_refusesJobsPastTheirBudgetOrDeadline() {
        ServerMetrics metrics = new ServerMetrics(new SnapshotRegistry());
        try {
            var admission = new Dispatcher.Admission(new DispatchConfig(true, 10, 50), 2, metrics);
            RecommendQuery q = new RecommendQuery(new UserContext(Map.of(), Instant.EPOCH, List.of(), null), 5, Filters.NONE);
            long now = System.nanoTime();
            admission.inFlight.set(2);
            assertNull(admission.refuseStale(new InferenceJob(q, now - TimeUnit.MILLISECONDS.toNanos(60), now + 1_000_000_000L), now),
                    "a slow hop without a backlog (no more in flight than workers) is computed");
            admission.inFlight.set(3);
            assertNull(admission.refuseStale(new InferenceJob(q, now - TimeUnit.MILLISECONDS.toNanos(10), now + 1_000_000_000L), now));
            RecommendReply waited = admission.refuseStale(new InferenceJob(q, now - TimeUnit.MILLISECONDS.toNanos(60), now + 1_000_000_000L), now);
            assertNotNull(waited);
            assertEquals("overloaded", waited.error().code());
            RecommendReply late = admission.refuseStale(new InferenceJob(q, now - 5, now - 1), now);
            assertEquals("timeout", late.error().code());
        } finally {
            metrics.close();
        }
    }

    @Test
    void aRequestAdmittedAtTheEdgeAndRefusedAtDispatch_countsOnceInTheRate() throws Exception {
        ServerMetrics metrics = new ServerMetrics(new SnapshotRegistry());
        Vertx vertx = Vertx.vertx();
        try {
            var config = new DispatchConfig(true, 10, 50, DispatchConfig.DEFAULT_MAX_IN_FLIGHT_EXPENSIVE, DispatchConfig.DEFAULT_EXPENSIVE_K,
                    DispatchConfig.DEFAULT_EXPENSIVE_HISTORY, DispatchConfig.DEFAULT_EXPENSIVE_EXCLUDES, 30, true, DispatchConfig.DEFAULT_ADMISSION_TARGET);
            var admission = new Dispatcher.Admission(config, 2, metrics);
            RecommendQuery q = new RecommendQuery(new UserContext(Map.of(), Instant.EPOCH, List.of(), null), 5, Filters.NONE);
            CompletableFuture<long[]> counts = new CompletableFuture<>();
            // All on one event loop, as in the server: the lag probe's timer cannot fire in between and put the loop back on time.
            vertx.runOnContext(v -> {
                try {
                    Dispatcher d = new Dispatcher(vertx, null, admission, 1_000);
                    d.startLagProbe();
                    assertNull(d.refusalAtEdge(), "an idle loop admits");
                    for (int i = 0; i < LoopLag.LATE_TO_BE_BEHIND; i++) d.lag.record(TimeUnit.SECONDS.toNanos(1));
                    RecommendReply late = d.dispatch(q, System.nanoTime()).result();
                    assertEquals("overloaded", late.error().code(), "the loop fell behind while the body was read");
                    long refusedAfterDispatch = admission.rateTotals.refused.sum();
                    assertNotNull(d.refusalAtEdge(), "a new request while behind is refused at the edge");
                    counts.complete(new long[] {admission.rateTotals.admitted.sum(), refusedAfterDispatch, admission.rateTotals.refused.sum()});
                } catch (Throwable t) {
                    counts.completeExceptionally(t);
                }
            });
            // Admitted once; the dispatch-time refusal is not a second count; the edge's refusal is one.
            assertArrayEquals(new long[] {1, 0, 1}, counts.get(10, TimeUnit.SECONDS));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            metrics.close();
        }
    }

    @Test
    void cheap_smallRequestsOnly() {
        UserContext plain = new UserContext(Map.of(), Instant.EPOCH, List.of("a"), null);
        assertTrue(Dispatcher.cheap(new RecommendQuery(plain, 100, Filters.NONE)));
        assertFalse(Dispatcher.cheap(new RecommendQuery(plain, 101, Filters.NONE)));
        assertFalse(Dispatcher.cheap(new RecommendQuery(new UserContext(Map.of(), Instant.EPOCH, List.of(), "red mug"), 10, Filters.NONE)));
    }

    @Test
    void inline_onlyWhenIdleAndNotWhileTheLoopRefusesMostOfItsLoad() {
        RecommendQuery cheap = new RecommendQuery(new UserContext(Map.of(), Instant.EPOCH, List.of("a"), null), 10, Filters.NONE);
        RecommendQuery large = new RecommendQuery(new UserContext(Map.of(), Instant.EPOCH, List.of("a"), null), 101, Filters.NONE);
        DispatchConfig on = MercuryConfig.load(null, Map.of(), Map.of()).dispatch();
        DispatchConfig off = MercuryConfig.load(null, Map.of(), Map.of("inference.inline_when_idle", false)).dispatch();
        assertTrue(Dispatcher.runsInline(on, 1, false, cheap), "alone, cheap, no limit: inline");
        assertFalse(Dispatcher.runsInline(on, 1, true, cheap), "while the loop refuses most of its load: to the workers, so refusals do not wait behind it");
        assertFalse(Dispatcher.runsInline(on, 2, false, cheap), "another request in flight");
        assertFalse(Dispatcher.runsInline(on, 1, false, large), "not cheap");
        assertFalse(Dispatcher.runsInline(off, 1, false, cheap), "inline off");
    }

    @Test
    void dispatchKeys_validated_oldKeyRefused() {
        var e = assertThrows(MercuryConfig.ConfigException.class,
                () -> MercuryConfig.load(null, Map.of(), Map.of("inference.max_in_flight", 0)));
        assertTrue(e.getMessage().contains("inference.max_in_flight"), e.getMessage());
        assertFalse(MercuryConfig.load(null, Map.of("MERCURY_INFERENCE_INLINE_WHEN_IDLE", "false"), Map.of()).dispatch().inlineWhenIdle());
        var old = assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(null, Map.of(), Map.of("inference.dispatch", "worker")));
        assertTrue(old.getMessage().contains("inference.dispatch"), old.getMessage());
    }
}
