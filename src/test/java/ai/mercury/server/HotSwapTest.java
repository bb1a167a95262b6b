package ai.mercury.server;

import ai.mercury.model.Snapshot;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bundles dropped into a serving server's artifacts directory while clients fire requests without pause. */
class HotSwapTest {
    static final String TOKEN = "swap-test-token";
    static final Map<String, Object> FAST = Map.of("admin.token", TOKEN, "swap.settle_ms", 200, "swap.scan_interval_ms", 300);
    static final List<String> DROPS = List.of("20260102T000000Z", "20260103T000000Z", "20260104T000000Z");

    @Test
    void swap_threeDropsUnderLoad_noFailedRequest_eachServesWithinSeconds_retiredSnapshotsClose(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, FAST)) {
            assertTrue(h.awaitInitialLoad());
            List<Snapshot> served = new ArrayList<>(List.of(h.server.snapshots().peek()));
            List<Long> dropToServeMs = new ArrayList<>();
            RecommendTraffic traffic = new RecommendTraffic(h, 4).start();
            try {
                traffic.awaitResponses(50);
                for (String version : DROPS) {
                    long dropped = System.nanoTime();
                    Drops.publish(artifacts, version);
                    Drops.await(() -> traffic.firstSeenNanos.containsKey(version) || !traffic.failures.isEmpty(), Duration.ofSeconds(10),
                            () -> version + " not served; status " + h.bundles().encode());
                    assertEquals(List.of(), traffic.failures);
                    dropToServeMs.add((traffic.firstSeenNanos.get(version) - dropped) / 1_000_000);
                    Snapshot s = h.server.snapshots().peek();
                    assertEquals(version, s.version());
                    served.add(s);
                    traffic.awaitResponses(50); // keep serving on it for a while before the next drop
                }
            } finally {
                traffic.close();
            }
            assertEquals(List.of(), traffic.failures, "failed requests");
            for (long ms : dropToServeMs) assertTrue(ms < 5_000, "drop to first answer: " + dropToServeMs + " ms");
            System.out.println("drop to first answer (ms): " + dropToServeMs);

            Set<String> valid = Set.of(FixtureBundle.VERSION, DROPS.get(0), DROPS.get(1), DROPS.get(2));
            assertEquals(valid, traffic.versions, "every response carries one of the valid versions, and each served");
            Drops.await(() -> served.subList(0, served.size() - 1).stream().allMatch(Snapshot::isClosed), Duration.ofSeconds(10),
                    () -> "retired snapshots still open: " + served.stream().filter(s -> !s.isClosed()).toList());
            assertFalse(served.get(served.size() - 1).isClosed(), "the active snapshot stays open");

            assertEquals(1.0, h.metric("mercury_snapshots_open"));
            assertEquals(4.0, h.metric("mercury_swaps_total{result=\"activated\"}"));
            assertEquals(0.0, h.metric("mercury_swaps_total{result=\"rejected\"}"));
            assertEquals(4.0, h.metric("mercury_swap_seconds_count{result=\"activated\"}"));
            assertEquals(1.0, h.metric("mercury_model_info{index=\"exact\",version=\"" + DROPS.get(2) + "\"}"));

            JsonObject status = h.bundles();
            assertEquals(DROPS.get(2), status.getJsonObject("active").getString("version"));
            assertEquals("new bundle", status.getJsonObject("active").getString("cause"));
            JsonArray history = status.getJsonArray("history");
            assertEquals(List.of(DROPS.get(2), DROPS.get(1), DROPS.get(0), FixtureBundle.VERSION),
                    history.stream().map(o -> ((JsonObject) o).getString("version")).toList(), history.encode());
            assertEquals(null, history.getJsonObject(0).getString("retired_at"));
            assertTrue(history.getJsonObject(1).getString("retired_at") != null);
            assertEquals(new JsonArray(), status.getJsonArray("rejections"));
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }
}
