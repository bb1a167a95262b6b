package ai.mercury.server;

import ai.mercury.bundle.Manifest;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A rejected directory is not validated again while it is unchanged; once it changes it is, and may serve. */
class RejectionRetryTest {
    static final String TOKEN = "retry-test-token";

    @Test
    void rejectedBundle_notRetriedUntilChanged_activateAnswers409_thenRepairedServes(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("admin.token", TOKEN, "swap.settle_ms", 100, "swap.scan_interval_ms", 200))) {
            assertTrue(h.awaitInitialLoad());
            String version = "20260301T000000Z";
            Path staged = Drops.stage(artifacts, version);
            CorruptDropTest.flipByte(staged.resolve(Manifest.ITEM_TOWER));
            Path dir = Drops.drop(staged);
            Drops.await(() -> rejections(h, version).size() == 1, Duration.ofSeconds(10), () -> h.bundles().encode());
            assertEquals("checksum_mismatch", rejections(h, version).get(0).getString("reason"));

            long scans = h.bundles().getJsonObject("watch").getLong("scans");
            Drops.await(() -> h.bundles().getJsonObject("watch").getLong("scans") >= scans + 3, Duration.ofSeconds(10), () -> "scans");
            assertEquals(1, rejections(h, version).size(), "an unchanged rejected directory is not validated again");
            assertEquals(1.0, h.metric("mercury_swaps_total{result=\"rejected\"}"));
            assertEquals(FixtureBundle.VERSION, h.servedVersion());

            var conflict = h.admin(HttpMethod.POST, "/admin/bundles/" + version + "/activate");
            HttpApiTest.assertError(conflict, 409, "bundle_rejected");
            assertTrue(conflict.bodyAsJsonObject().getString("message").contains("checksum_mismatch"), conflict.bodyAsString());
            assertEquals(FixtureBundle.VERSION, h.servedVersion());
            assertEquals(null, h.bundles().getValue("pin"), "a refused activation pins nothing");

            CorruptDropTest.flipByte(dir.resolve(Manifest.ITEM_TOWER)); // repaired in place: the directory changed
            Drops.await(() -> version.equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());
            assertEquals(version, h.servedVersion());
            assertEquals(1, rejections(h, version).size());
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    static List<JsonObject> rejections(ServerHarness h, String version) {
        return h.bundles().getJsonArray("rejections").stream().map(o -> (JsonObject) o)
                .filter(o -> o.getString("version").equals(version)).toList();
    }
}
