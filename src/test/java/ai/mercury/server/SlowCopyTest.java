package ai.mercury.server;

import ai.mercury.bundle.Manifest;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bundle copied straight into its final directory, file by file and each file in two halves,
 * manifest first (the worst order): at every step the server has looked at the half-written
 * directory for longer than the settle time and not loaded it; once the last byte is in, it serves.
 */
class SlowCopyTest {
    static final int SETTLE_MS = 150;

    @Test
    void drop_copiedNonAtomically_notLoadedHalfWritten_loadedOnceComplete(@TempDir Path artifacts) throws IOException {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("admin.token", "slow-copy-token", "swap.settle_ms", SETTLE_MS,
                "swap.scan_interval_ms", 200))) {
            assertTrue(h.awaitInitialLoad());
            String version = "20260401T000000Z";
            Path source = Drops.stage(artifacts.resolve(".source"), version);
            Path target = Files.createDirectories(artifacts.resolve(version));

            Files.copy(source.resolve(Manifest.FILE_NAME), target.resolve(Manifest.FILE_NAME));
            awaitSeenIncomplete(h, version, "is missing");
            for (String name : List.of(Manifest.USER_TOWER, Manifest.ITEM_TOWER, Manifest.ITEMS, Manifest.ITEM_VECTORS)) { // manifest order
                byte[] bytes = Files.readAllBytes(source.resolve(name));
                int half = bytes.length / 2;
                Files.write(target.resolve(name), Arrays.copyOf(bytes, half));
                awaitSeenIncomplete(h, version, name + " has " + half + " of " + bytes.length + " bytes");
                Files.write(target.resolve(name), Arrays.copyOfRange(bytes, half, bytes.length), StandardOpenOption.APPEND);
            }
            Drops.await(() -> version.equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());
            assertEquals(version, h.servedVersion());
            assertEquals(new JsonArray(), h.bundles().getJsonArray("rejections"), "never validated half-written");
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    /** Waits until a scan saw the directory unchanged for longer than the settle time yet incomplete, and did not load it. */
    private static void awaitSeenIncomplete(ServerHarness h, String version, String waitingFor) {
        Drops.await(() -> {
            JsonObject b = h.bundle(version);
            return b != null && b.getLong("unchanged_ms") > SETTLE_MS && b.getString("detail", "").contains(waitingFor);
        }, Duration.ofSeconds(10), () -> String.valueOf(h.bundle(version)));
        JsonObject b = h.bundle(version);
        assertEquals("pending", b.getString("state"), b.encode());
        assertEquals(FixtureBundle.VERSION, h.activeVersion(), "a half-written bundle must not serve");
    }
}
