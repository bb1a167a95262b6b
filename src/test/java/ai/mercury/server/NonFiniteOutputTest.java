package ai.mercury.server;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.testing.OverflowBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model that gives NaN for some inputs: validation rejects a bundle whose tower overflows for one
 * country; a bundle that overflows only for a combination validation does not try serves, and
 * the requests that meet the NaN get a clear 500 {@code model_output_invalid} (never a
 * non-finite number in JSON), counted, with the bundle marked unhealthy in /admin/bundles and a gauge.
 */
class NonFiniteOutputTest {
    static final String TOKEN = "non-finite-test-token";
    static final String SERVED = "20260301T000000Z";

    @TempDir
    static Path artifacts;
    static ServerHarness harness;

    @BeforeAll
    static void start() throws Exception {
        BundleWriter.publish(artifacts, OverflowBundle.franceOnMobileOverflows(SERVED));
        harness = new ServerHarness(artifacts, Map.of("admin.token", TOKEN, "swap.settle_ms", 100, "swap.scan_interval_ms", 200));
        assertTrue(harness.awaitInitialLoad());
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void nonFiniteAtRequestTime_answers500ModelOutputInvalid_andMarksTheBundleUnhealthy() {
        assertEquals(1.0, harness.metric("mercury_model_healthy"));
        HttpResponse<Buffer> fine = harness.recommend(new JsonObject().put("k", 5).put("context", new JsonObject().put("country", "France")));
        assertEquals(200, fine.statusCode(), fine.bodyAsString());
        assertTrue(harness.bundles().getJsonObject("active").getBoolean("healthy"));

        JsonObject bad = new JsonObject().put("k", 5).put("context", new JsonObject().put("country", "France").put("device", "mobile"));
        for (int i = 0; i < 2; i++) {
            HttpResponse<Buffer> r = harness.recommend(bad);
            assertEquals(500, r.statusCode(), r.bodyAsString());
            JsonObject body = r.bodyAsJsonObject(); // valid JSON: no -Infinity anywhere
            assertEquals("model_output_invalid", body.getString("error"), body.encode());
            assertTrue(body.getString("message").contains(SERVED), body.encode());
        }
        assertEquals(2.0, harness.metric("mercury_model_output_invalid_total{model_version=\"" + SERVED + "\"}"));
        assertEquals(0.0, harness.metric("mercury_model_healthy"));
        JsonObject active = harness.bundles().getJsonObject("active");
        assertEquals(SERVED, active.getString("version"));
        assertFalse(active.getBoolean("healthy"), active.encode());
        assertEquals("model_output_invalid", active.getString("unhealthy_reason"), active.encode());
        // other inputs keep being served
        assertEquals(200, harness.recommend(new JsonObject().put("k", 5)).statusCode());
    }

    @Test
    void bundleOverflowingForOneCountry_isRejectedWithNonFiniteOutput() throws Exception {
        String version = "20260301T000100Z";
        BundleWriter.publish(artifacts, OverflowBundle.franceOverflows(version));
        Drops.await(() -> rejections(version).size() >= 1, Duration.ofSeconds(20), () -> harness.bundles().encode());
        JsonObject r = rejections(version).get(0);
        assertEquals("non_finite_output", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains("country=France"), r.encode());
        assertEquals("non_finite_output", harness.bundle(version).getString("detail"));
        assertTrue(harness.metric("mercury_bundle_rejections_total{reason=\"non_finite_output\"}") >= 1);
        assertEquals(SERVED, harness.activeVersion(), "the served bundle stays");
    }

    private static List<JsonObject> rejections(String version) {
        return harness.bundles().getJsonArray("rejections").stream().map(o -> (JsonObject) o)
                .filter(o -> o.getString("version").equals(version)).toList();
    }
}
