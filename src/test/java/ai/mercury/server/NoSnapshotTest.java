package ai.mercury.server;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Before any bundle is loaded the server is live, not ready, and answers /recommend with 503. */
class NoSnapshotTest {
    @Test
    void recommend_beforeSnapshot_is503(@TempDir Path artifacts) throws Exception {
        Files.createDirectories(artifacts.resolve(".tmp-20260101T000000Z")); // in-progress copies are ignored
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            assertFalse(h.awaitInitialLoad());
            HttpApiTest.assertError(h.recommend(new JsonObject().put("k", 3)), 503, "no_model");
            HttpApiTest.assertError(h.get("/health/ready"), 503, "not_ready");
            assertEquals(200, h.get("/health/live").statusCode());
            assertEquals(java.util.List.of(), h.blockedEventLoops);
        }
    }

    /** The detector the other server tests rely on must itself catch a stalled event loop. */
    @Test
    void blockedThreadDetector_catchesAStalledEventLoop(@TempDir Path artifacts) throws Exception {
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            h.server.vertx().runOnContext(v -> {
                long until = System.nanoTime() + 700_000_000L;
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (h.blockedEventLoops.isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
            assertFalse(h.blockedEventLoops.isEmpty(), "a 700 ms stall of the event loop is reported");
        }
    }

    @Test
    void start_corruptNewestBundle_fallsBackToOlderValidOne(@TempDir Path artifacts) throws Exception {
        Path good = ai.mercury.testing.FixtureBundle.copyTo(artifacts);
        Path bad = artifacts.resolve("20990101T000000Z");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("manifest.json"), "{ not json");
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            h.awaitInitialLoad();
            assertEquals(good.getFileName().toString(), h.server.snapshots().peek().version());
            var rejections = h.server.indexManager().rejections();
            assertEquals(1, rejections.size());
            assertEquals("manifest_invalid", rejections.get(0).reason());
        }
    }
}
