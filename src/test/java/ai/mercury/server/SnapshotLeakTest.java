package ai.mercury.server;

import ai.mercury.model.Snapshot;
import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A retired snapshot that a request never releases stays open, is counted and reported once as a leak. */
class SnapshotLeakTest {
    @Test
    void retiredSnapshotStillReferenced_isReportedAsLeak_andClosesOnRelease(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("swap.settle_ms", 50, "swap.scan_interval_ms", 100, "swap.leak_warn_ms", 300))) {
            assertTrue(h.awaitInitialLoad());
            Snapshot stuck = h.server.snapshots().acquire(); // a request that never finishes
            Drops.publish(artifacts, "20260102T000000Z");
            Drops.await(() -> "20260102T000000Z".equals(h.activeVersion()), Duration.ofSeconds(10), () -> "not swapped");
            assertEquals(2.0, h.metric("mercury_snapshots_open"));
            Drops.await(() -> h.metric("mercury_snapshot_leaks_total") == 1.0, Duration.ofSeconds(10),
                    () -> "leaks " + h.metric("mercury_snapshot_leaks_total"));
            assertFalse(stuck.isClosed(), "its sessions stay open while referenced");

            stuck.release();
            assertTrue(stuck.isClosed(), "the last release closes it");
            assertEquals(1.0, h.metric("mercury_snapshots_open"));
            assertEquals(1.0, h.metric("mercury_snapshot_leaks_total"), "reported once");
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }
}
