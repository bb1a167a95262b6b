package ai.mercury.server;

import ai.mercury.lifecycle.PinFile;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** swap.keep_bundles keeps the newest N bundle directories, and never deletes the active or the pinned one. */
class RetentionTest {
    static final String V1 = FixtureBundle.VERSION;

    @Test
    void keepTwo_deletesOlderDirectories_butNeverThePinnedActiveOne(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("admin.token", "retention-token", "swap.keep_bundles", 2,
                "swap.settle_ms", 100, "swap.scan_interval_ms", 200))) {
            assertTrue(h.awaitInitialLoad());
            assertEquals(200, h.admin(HttpMethod.POST, "/admin/bundles/" + V1 + "/activate").statusCode()); // pin the oldest
            for (String v : List.of("20260102T000000Z", "20260103T000000Z", "20260104T000000Z")) Drops.publish(artifacts, v);

            Drops.await(() -> onDisk(artifacts).equals(List.of(V1, "20260103T000000Z", "20260104T000000Z")), Duration.ofSeconds(10),
                    () -> onDisk(artifacts) + " " + h.bundles().encode());
            assertEquals(V1, h.servedVersion(), "pinned and active: kept although it is not among the newest two");

            assertEquals(200, h.admin(HttpMethod.DELETE, "/admin/bundles/pin").statusCode());
            // unpinned, the newest bundle goes live once it has loaded; on a busy machine it may still be loading here
            Drops.await(() -> "20260104T000000Z".equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());
            Drops.await(() -> onDisk(artifacts).equals(List.of("20260103T000000Z", "20260104T000000Z")), Duration.ofSeconds(10),
                    () -> onDisk(artifacts) + " " + h.bundles().encode());
            assertEquals("20260104T000000Z", h.servedVersion());
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    /** Every entry of the artifacts directory except the pin file, sorted: no dot-directory (staging, deletion) may remain. */
    static List<String> onDisk(Path artifacts) {
        try (Stream<Path> list = Files.list(artifacts)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.equals(PinFile.NAME)).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
