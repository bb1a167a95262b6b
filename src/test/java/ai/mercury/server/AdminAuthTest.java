package ai.mercury.server;

import ai.mercury.lifecycle.PinFile;

import ai.mercury.config.MercuryConfig;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoints need the configured bearer token; without a configured token they are disabled (401). */
class AdminAuthTest {
    static final List<String[]> ROUTES = List.of(
            new String[] {"GET", "/admin/bundles"},
            new String[] {"POST", "/admin/bundles/" + FixtureBundle.VERSION + "/activate"},
            new String[] {"DELETE", "/admin/bundles/pin"});

    @Test
    void noTokenConfigured_everyAdminRouteIs401_evenWithABearerHeader(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            assertTrue(h.awaitInitialLoad());
            for (String[] route : ROUTES) {
                for (String token : new String[] {null, "", "anything"}) {
                    HttpResponse<Buffer> r = h.admin(HttpMethod.valueOf(route[0]), route[1], token);
                    HttpApiTest.assertError(r, 401, "unauthorized");
                    assertTrue(r.bodyAsJsonObject().getString("message").contains("MERCURY_ADMIN_TOKEN"), r.bodyAsString());
                }
            }
            assertFalse(Files.exists(artifacts.resolve(PinFile.NAME)), "nothing was pinned");
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    @Test
    void wrongOrMissingToken_is401_rightTokenIs200(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("admin.token", "s3cret-token"))) {
            assertTrue(h.awaitInitialLoad());
            for (String[] route : ROUTES) {
                for (String token : new String[] {null, "", "s3cret-toke", "s3cret-token-", "S3CRET-TOKEN"}) {
                    HttpResponse<Buffer> r = h.admin(HttpMethod.valueOf(route[0]), route[1], token);
                    HttpApiTest.assertError(r, 401, "unauthorized");
                    assertEquals("Bearer realm=\"mercury-admin\"", r.getHeader("WWW-Authenticate"));
                }
            }
            var basic = h.client.get(h.server.port(), "127.0.0.1", "/admin/bundles").putHeader("authorization", "Basic czNjcmV0LXRva2Vu").send();
            HttpApiTest.assertError(ServerHarness.await(basic), 401, "unauthorized");
            assertFalse(Files.exists(artifacts.resolve(PinFile.NAME)), "nothing was pinned");

            assertEquals(200, h.admin(HttpMethod.GET, "/admin/bundles").statusCode());
            HttpApiTest.assertError(h.admin(HttpMethod.GET, "/admin/nothing"), 404, "not_found");
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    @Test
    void token_fromTheEnvironment() {
        MercuryConfig c = MercuryConfig.load(null, Map.of("MERCURY_ADMIN_TOKEN", "from-env"), Map.of());
        assertEquals("from-env", c.adminToken().value());
        assertFalse(c.toString().contains("from-env"), "the token stays out of logs: " + c);
    }
}
