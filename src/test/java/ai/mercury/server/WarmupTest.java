package ai.mercury.server;

import ai.mercury.model.Snapshot;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server warms its request path before it reports ready, and a new bundle's before it is published. */
class WarmupTest {
    @TempDir
    Path artifacts;

    @Test
    void notReadyUntilTheHttpWarmupRan_thenReady_andTheWarmupWentThroughTheWholePath() throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("warmup.http_seconds", 2))) {
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

    @Test
    void inProcessWarmup_runsRepresentativeRequestsOnTheSnapshot() {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            assertTrue(h.awaitInitialLoad());
            Snapshot s = h.server.snapshots().acquire();
            try {
                assertTrue(Warmup.inProcess(h.server.config(), s, 1) >= 1);
                assertEquals(0, Warmup.inProcess(h.server.config(), s, 0), "0 turns it off");
                // every generated body is one the API accepts
                RequestParser parser = new RequestParser(h.server.config());
                for (var body : Warmup.bodies(s, 100, 3)) parser.parse(body, java.time.Instant.now());
            } finally {
                s.release();
            }
        }
    }
}
