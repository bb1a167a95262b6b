package ai.mercury.server;

import ai.mercury.lifecycle.PinFile;

import ai.mercury.bundle.Manifest;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rollback with POST /admin/bundles/{version}/activate: it pins, the pin survives a restart, DELETE lifts it. */
class RollbackTest {
    static final String TOKEN = "rollback-test-token";
    static final Map<String, Object> CONFIG = Map.of("admin.token", TOKEN, "swap.settle_ms", 100, "swap.scan_interval_ms", 200);
    static final String V1 = FixtureBundle.VERSION;
    static final String V2 = "20260102T000000Z";
    static final String V3 = "20260103T000000Z";

    @Test
    void activateOlderVersion_pinsIt_survivesRestart_untilThePinIsLifted(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, CONFIG)) {
            assertTrue(h.awaitInitialLoad());
            Drops.publish(artifacts, V2);
            Drops.await(() -> V2.equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());

            JsonObject status = ok(h.admin(HttpMethod.POST, "/admin/bundles/" + V1 + "/activate"));
            assertEquals(V1, status.getJsonObject("active").getString("version"), "activate answers once the version serves");
            assertEquals("activate", status.getJsonObject("active").getString("cause"));
            assertEquals(new JsonObject().put("version", V1).put("state", "active").putNull("message"), status.getJsonObject("pin"));
            assertEquals(V1, h.servedVersion());
            assertEquals(V1, Files.readString(artifacts.resolve(PinFile.NAME)).trim());
            assertEquals(1.0, h.metric("mercury_bundle_pinned"));

            Drops.publish(artifacts, V3); // newer, valid, but the pin holds
            Drops.await(() -> "available".equals(stateOf(h, V3)), Duration.ofSeconds(10), () -> h.bundles().encode());
            assertEquals(V1, h.servedVersion());
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }

        try (ServerHarness h = new ServerHarness(artifacts, CONFIG)) { // restart
            assertTrue(h.awaitInitialLoad());
            assertEquals(V1, h.servedVersion(), "the pin survives the restart");
            JsonObject status = h.bundles();
            assertEquals("active", status.getJsonObject("pin").getString("state"));
            assertEquals("startup (pinned)", status.getJsonObject("active").getString("cause"));
            long scans = status.getJsonObject("watch").getLong("scans");
            Drops.await(() -> h.bundles().getJsonObject("watch").getLong("scans") >= scans + 2, Duration.ofSeconds(10), () -> "scans");
            assertEquals(V1, h.activeVersion(), "no automatic swap while pinned");
            assertEquals("available", stateOf(h, V3));

            status = ok(h.admin(HttpMethod.DELETE, "/admin/bundles/pin"));
            assertEquals(null, status.getValue("pin"));
            assertEquals(V3, status.getJsonObject("active").getString("version"), "lifting the pin serves the newest valid bundle");
            assertEquals("unpin", status.getJsonObject("active").getString("cause"));
            assertEquals(V3, h.servedVersion());
            assertFalse(Files.exists(artifacts.resolve(PinFile.NAME)));
            assertEquals(0.0, h.metric("mercury_bundle_pinned"));
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }

        try (ServerHarness h = new ServerHarness(artifacts, CONFIG)) { // and the lifted pin stays lifted
            assertTrue(h.awaitInitialLoad());
            assertEquals(V3, h.servedVersion());
        }
    }

    @Test
    void activate_unknownVersion404_badVersion400_rejectedVersion409_keepServing(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        Path broken = Drops.stage(artifacts, V2);
        Files.write(broken.resolve(Manifest.ITEM_TOWER), new byte[] {1, 2, 3});
        Drops.fixFileEntry(broken, Manifest.ITEM_TOWER);
        Drops.drop(broken);
        try (ServerHarness h = new ServerHarness(artifacts, CONFIG)) {
            assertTrue(h.awaitInitialLoad());
            assertEquals(V1, h.servedVersion(), "the broken newer bundle was rejected at start-up");
            HttpApiTest.assertError(h.admin(HttpMethod.POST, "/admin/bundles/20990101T000000Z/activate"), 404, "unknown_version");
            HttpApiTest.assertError(h.admin(HttpMethod.POST, "/admin/bundles/.hidden/activate"), 400, "bad_request");
            HttpResponse<Buffer> conflict = h.admin(HttpMethod.POST, "/admin/bundles/" + V2 + "/activate");
            HttpApiTest.assertError(conflict, 409, "bundle_rejected");
            assertTrue(conflict.bodyAsJsonObject().getString("message").contains("tower_invalid"), conflict.bodyAsString());
            assertEquals(V1, h.servedVersion());
            assertFalse(Files.exists(artifacts.resolve(PinFile.NAME)), "nothing was pinned");

            JsonObject again = ok(h.admin(HttpMethod.POST, "/admin/bundles/" + V1 + "/activate")); // the active one: just pins it
            assertEquals(V1, again.getJsonObject("pin").getString("version"));
            assertEquals(1, again.getJsonArray("history").size(), "no reload");
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    static JsonObject ok(HttpResponse<Buffer> r) {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static String stateOf(ServerHarness h, String version) {
        JsonObject b = h.bundle(version);
        return b == null ? null : b.getString("state");
    }
}
