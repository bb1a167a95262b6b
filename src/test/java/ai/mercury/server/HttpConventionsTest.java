package ai.mercury.server;

import ai.mercury.config.EdgeConfig;
import ai.mercury.config.MercuryConfig;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request ids, CORS, compression, static-file caching, the access log and JSON logs, on a real server. */
class HttpConventionsTest {

    @Test
    void requestIdsAreTakenWhenSaneGeneratedOtherwiseAndEchoed(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            h.awaitInitialLoad();
            assertEquals("abc-123", get(h, "/health/live", Map.of("x-request-id", "abc-123")).getHeader("x-request-id"));
            String generated1 = h.get("/health/live").getHeader("x-request-id");
            String generated2 = h.recommend(new JsonObject().put("k", 2)).getHeader("x-request-id");
            assertTrue(generated1 != null && generated2 != null && !generated1.equals(generated2), generated1 + " " + generated2);
            String hostile = get(h, "/health/live", Map.of("x-request-id", "a b\"<script>")).getHeader("x-request-id");
            assertNotEquals("a b\"<script>", hostile, "an unsafe id is replaced");
            assertTrue(hostile.matches("[A-Za-z0-9._:\\-]+"), hostile);
            assertEquals("abc-124", get(h, "/nope", Map.of("x-request-id", "abc-124")).getHeader("x-request-id"), "errors carry it too");
        }
    }

    @Test
    void requestIdsOffSendsNoHeader(@TempDir Path artifacts) {
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.request_id", false))) {
            assertNull(h.get("/health/live").getHeader("x-request-id"));
        }
    }

    @Test
    void corsIsOffByDefaultAndAnswersOnlyTheConfiguredOrigins(@TempDir Path artifacts) {
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            HttpResponse<Buffer> r = get(h, "/health/live", Map.of("origin", "http://shop.example"));
            assertNull(r.getHeader("access-control-allow-origin"));
            assertEquals(405, preflight(h, "http://shop.example").statusCode(), "no CORS: OPTIONS is not a method of the API");
        }
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.cors.allowed_origins", "http://shop.example, https://admin.example:8443"))) {
            HttpResponse<Buffer> r = get(h, "/health/live", Map.of("origin", "http://shop.example"));
            assertEquals("http://shop.example", r.getHeader("access-control-allow-origin"));
            assertTrue(r.getHeader("access-control-expose-headers").toLowerCase().contains("x-request-id"));
            assertNull(get(h, "/health/live", Map.of("origin", "http://evil.example")).getHeader("access-control-allow-origin"));
            HttpResponse<Buffer> p = preflight(h, "https://admin.example:8443");
            assertEquals(204, p.statusCode());
            assertEquals("https://admin.example:8443", p.getHeader("access-control-allow-origin"));
            assertTrue(p.getHeader("access-control-allow-methods").contains("POST"));
            assertTrue(p.getHeader("access-control-allow-headers").toLowerCase().contains("content-type"));
        }
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.cors.allowed_origins", "*"))) {
            assertEquals("*", get(h, "/health/live", Map.of("origin", "http://any.example")).getHeader("access-control-allow-origin"));
        }
        assertThrows(MercuryConfig.ConfigException.class,
                () -> MercuryConfig.load(null, Map.of(), Map.of("http.cors.allowed_origins", "shop.example/path")));
    }

    @Test
    void largeAnswersAreCompressedOnlyForClientsThatAsk(@TempDir Path artifacts) throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.compression.min_bytes", 256))) {
            h.awaitInitialLoad();
            String body = new JsonObject().put("k", 12).encode();
            HttpResponse<Buffer> plain = raw(h, HttpMethod.POST, "/recommend", Map.of("content-type", "application/json"), body);
            assertNull(plain.getHeader("content-encoding"), "no Accept-Encoding, no compression");
            assertTrue(plain.body().length() > 256, "the answer is over the threshold: " + plain.body().length());
            HttpResponse<Buffer> gz = raw(h, HttpMethod.POST, "/recommend", Map.of("content-type", "application/json", "accept-encoding", "gzip"), body);
            assertEquals("gzip", gz.getHeader("content-encoding"));
            JsonObject answer = new JsonObject(gunzip(gz.body()));
            assertEquals(12, answer.getJsonArray("items").size());
            HttpResponse<Buffer> small = raw(h, HttpMethod.GET, "/health/live", Map.of("accept-encoding", "gzip"), null);
            assertNull(small.getHeader("content-encoding"), "below the threshold: sent as it is");
        }
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.compression.enabled", false))) {
            h.awaitInitialLoad();
            HttpResponse<Buffer> r = raw(h, HttpMethod.POST, "/recommend", Map.of("content-type", "application/json", "accept-encoding", "gzip"),
                    new JsonObject().put("k", 12).encode());
            assertNull(r.getHeader("content-encoding"));
        }
    }

    @Test
    void staticFilesCarryETagsCacheControlAndPrecompressedBodies(@TempDir Path artifacts) throws Exception {
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            HttpResponse<Buffer> js = raw(h, HttpMethod.GET, "/static/swagger-ui-bundle.js", Map.of(), null);
            assertEquals(200, js.statusCode());
            assertTrue(js.getHeader("cache-control").contains("max-age"));
            String etag = js.getHeader("etag");
            assertEquals(304, raw(h, HttpMethod.GET, "/static/swagger-ui-bundle.js", Map.of("if-none-match", etag), null).statusCode());
            HttpResponse<Buffer> gz = raw(h, HttpMethod.GET, "/static/swagger-ui-bundle.js", Map.of("accept-encoding", "gzip, deflate"), null);
            assertEquals("gzip", gz.getHeader("content-encoding"));
            assertNotEquals(etag, gz.getHeader("etag"), "another representation, another ETag");
            assertTrue(gz.body().length() < js.body().length() / 2, gz.body().length() + " of " + js.body().length());
            assertEquals(js.bodyAsString(), gunzip(gz.body()));
            HttpResponse<Buffer> doc = raw(h, HttpMethod.GET, "/openapi.json", Map.of(), null);
            assertEquals("no-cache", doc.getHeader("cache-control"));
            assertEquals("3.1.0", new JsonObject(doc.bodyAsString()).getString("openapi"));
            assertEquals(304, raw(h, HttpMethod.GET, "/openapi.json", Map.of("if-none-match", "W/" + doc.getHeader("etag")), null).statusCode());
            assertEquals(200, raw(h, HttpMethod.GET, "/openapi.json", Map.of("if-none-match", "\"other\""), null).statusCode());
        }
    }

    @Test
    void theAccessLogHasOneLinePerRequestWithItsId(@TempDir Path artifacts) {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Logger access = Logger.getLogger("ai.mercury.access");
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { records.add(r); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        access.addHandler(capture);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("log.access", true))) {
            get(h, "/nope?x=1", Map.of("x-request-id", "trace-7"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (records.isEmpty() && System.nanoTime() < deadline) Thread.onSpinWait();
            LogRecord r = records.get(0);
            assertTrue(r.getMessage().startsWith("GET /nope 404 "), r.getMessage());
            assertTrue(r.getMessage().contains("request_id=trace-7"), r.getMessage());
            String json = new JsonLogFormatter().format(r);
            JsonObject line = new JsonObject(json.trim());
            assertEquals("trace-7", line.getString("request_id"));
            assertEquals(404, line.getInteger("status"));
            assertEquals("/nope", line.getString("path"));
            assertEquals("ai.mercury.access", line.getString("logger"));
        } finally {
            access.removeHandler(capture);
        }
    }

    @Test
    void jsonLogLinesAreOneObjectEachWithTheError() {
        LogRecord r = new LogRecord(Level.SEVERE, "failed {0}");
        r.setParameters(new Object[] {"here"});
        r.setLoggerName("ai.mercury.x");
        r.setThrown(new IllegalStateException("boom"));
        String out = new JsonLogFormatter().format(r);
        assertTrue(out.endsWith("\n") && out.indexOf('\n') == out.length() - 1, "one line: " + out);
        JsonObject line = new JsonObject(out);
        assertEquals("failed here", line.getString("message"));
        assertEquals("SEVERE", line.getString("level"));
        assertTrue(line.getString("error").contains("IllegalStateException: boom"));
        assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(null, Map.of(), Map.of("log.format", "xml")));
        assertEquals(EdgeConfig.DEFAULT_LOG_FORMAT, MercuryConfig.defaults().edge().logFormat());
    }

    private static HttpResponse<Buffer> preflight(ServerHarness h, String origin) {
        return ServerHarness.await(h.client.request(HttpMethod.OPTIONS, h.server.port(), "127.0.0.1", "/recommend")
                .putHeader("origin", origin).putHeader("access-control-request-method", "POST")
                .putHeader("access-control-request-headers", "content-type").send());
    }

    private static HttpResponse<Buffer> get(ServerHarness h, String path, Map<String, String> headers) {
        return raw(h, HttpMethod.GET, path, headers, null);
    }

    /** A request through a client that does not decompress, so the test sees the bytes on the wire. */
    private static HttpResponse<Buffer> raw(ServerHarness h, HttpMethod method, String path, Map<String, String> headers, String body) {
        WebClient client = WebClient.create(h.clientVertx, new WebClientOptions().setDecompressionSupported(false));
        try {
            var req = client.request(method, h.server.port(), "127.0.0.1", path);
            headers.forEach(req::putHeader);
            return ServerHarness.await(body == null ? req.send() : req.sendBuffer(Buffer.buffer(body)));
        } finally {
            client.close();
        }
    }

    private static String gunzip(Buffer b) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b.getBytes()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
