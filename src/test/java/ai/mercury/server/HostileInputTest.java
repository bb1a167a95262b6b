package ai.mercury.server;

import ai.mercury.core.CatalogItem;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression tests for the hostile inputs of issue 15 against a real server, over raw sockets:
 * each must get the JSON {@code {"error","message"}} contract with the right 4xx (never a hang, a
 * 500 or a SEVERE log line), and a lone surrogate already in the catalog must not break serving.
 */
class HostileInputTest {
    static final String TOKEN = "hostile-admin-token";
    static ServerHarness harness;
    static LogCapture logs;

    @BeforeAll
    static void start(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        logs = new LogCapture();
        harness = new ServerHarness(artifacts, Map.of("admin.token", TOKEN));
        assertTrue(harness.awaitInitialLoad(), "the fixture bundle loads");
    }

    @AfterAll
    static void stop() {
        harness.close();
        logs.close();
    }

    @BeforeEach
    void clearLogs() {
        logs.clear();
    }

    static byte[] request(String method, String path, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null) return h;
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    static byte[] jsonRequest(String method, String path, String body, boolean admin) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        if (admin) headers.put("Authorization", "Bearer " + TOKEN);
        return request(method, path, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one request, asserts one JSON error answer with {@code status} and {@code code}, and no SEVERE line. */
    static JsonObject expectError(byte[] request, int status, String code) throws Exception {
        RawHttp.Exchange e = RawHttp.exchange(harness.server.port(), request, 1, 5000);
        assertFalse(e.timedOut(), "no answer within 5 s: " + new String(e.raw(), StandardCharsets.ISO_8859_1));
        assertEquals(1, e.responses().size(), () -> "one response: " + new String(e.raw(), StandardCharsets.ISO_8859_1));
        RawHttp.Response r = e.responses().get(0);
        assertEquals(status, r.status(), r.head() + "\n" + r.bodyText());
        assertEquals("application/json", r.header("content-type"), r.head());
        JsonObject body = new JsonObject(r.bodyText());
        assertEquals(code, body.getString("error"), body.encode());
        assertNotNull(body.getString("message"));
        assertEquals(List.of(), logs.severe(), "no SEVERE line for a client's mistake");
        return body;
    }

    @Test
    void loneSurrogate_escapedInRecommend_is400NotAHang() throws Exception {
        JsonObject body = expectError(jsonRequest("POST", "/recommend", "{\"history\":[\"\\ud800\"]}", false), 400, "invalid_json");
        assertTrue(body.getString("message").contains("history[0]"), body.encode());
    }

    @Test
    void loneSurrogate_asUtf8Bytes_is400() throws Exception {
        byte[] body = "{\"history\":[\"x\"]}".getBytes(StandardCharsets.US_ASCII);
        byte[] bad = new byte[body.length + 3];
        System.arraycopy(body, 0, bad, 0, 13); // {"history":["
        bad[13] = (byte) 0xED;
        bad[14] = (byte) 0xA0;
        bad[15] = (byte) 0x80;
        System.arraycopy(body, 13, bad, 16, body.length - 13);
        JsonObject answer = expectError(request("POST", "/recommend", Map.of("Content-Type", "application/json"), bad), 400, "invalid_json");
        assertTrue(answer.getString("message").contains("UTF-8"), answer.encode());
    }

    @Test
    void loneSurrogate_inItemTitleOrEvent_isRefusedBeforeTheJournal() throws Exception {
        expectError(jsonRequest("PUT", "/items/cake-1", "{\"title\":\"cake stand \\ud800\",\"price\":3}", true), 400, "invalid_json");
        expectError(jsonRequest("PUT", "/items/cake-1", "{\"title\":\"cake\",\"price\":3,\"\\udc00\":1}", true), 400, "invalid_json");
        expectError(jsonRequest("POST", "/events", "{\"event_type\":\"view\",\"session_id\":\"s1\",\"item_id\":\"A001\\ud800\"}", false), 400, "invalid_json");
        assertEquals(404, harness.send(HttpMethod.GET, "/items/cake-1", null, null).statusCode(), "nothing was written");
    }

    /** An item written before validation existed (an old journal): its title is served with U+FFFD instead of hanging every page. */
    @Test
    void loneSurrogate_alreadyInTheCatalog_isServedAsReplacementCharacter() throws Exception {
        harness.server.liveItems().upsert(new CatalogItem("old-bad", "cake stand \ud800", 2.5, null)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) { // twice more: the answer may come from the response cache
            var r = harness.recommend(new JsonObject().put("k", 100));
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
            String title = items.stream().map(o -> (JsonObject) o).filter(o -> o.getString("item_id").equals("old-bad"))
                    .map(o -> o.getString("title")).findFirst().orElseThrow();
            assertEquals("cake stand \uFFFD", title);
        }
        var item = harness.send(HttpMethod.GET, "/items/old-bad", null, null);
        assertEquals(200, item.statusCode(), item.bodyAsString());
        assertEquals("cake stand \uFFFD", item.bodyAsJsonObject().getJsonObject("item").getString("title"));
        assertEquals(List.of(), logs.severe());
    }

    @Test
    void timestampOutsideTheSupportedRange_is400() throws Exception {
        JsonObject body = expectError(jsonRequest("POST", "/recommend",
                "{\"context\":{\"timestamp\":\"+999999999-12-31T23:59:59.999999999-18:00\"}}", false), 400, "bad_request");
        assertTrue(body.getString("message").contains("context.timestamp"), body.encode());
        expectError(jsonRequest("POST", "/recommend", "{\"context\":{\"timestamp\":\"-999999999-01-01T00:00:00Z\"}}", false), 400, "bad_request");
        expectError(jsonRequest("POST", "/events",
                "{\"event_type\":\"view\",\"session_id\":\"s1\",\"item_id\":\"A001\",\"timestamp\":\"+999999999-12-31T23:59:59Z\"}", false), 400, "bad_request");
    }

    @Test
    void expectOtherThan100Continue_is417() throws Exception {
        expectError(request("POST", "/recommend", Map.of("Content-Type", "application/json", "Expect", "bogus"), "{}".getBytes()), 417, "expectation_failed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/recommend", "/items/deep-1", "/events"})
    void deepNesting_is400(String path) throws Exception {
        String deep = "[".repeat(1000) + "]".repeat(1000);
        String body = switch (path) {
            case "/recommend" -> "{\"k\":1,\"filters\":" + deep + "}";
            case "/events" -> "{\"event_type\":\"view\",\"session_id\":\"s1\",\"item_id\":\"A001\",\"x\":" + deep + "}";
            default -> "{\"title\":\"t\",\"price\":1,\"extra\":" + deep + "}";
        };
        JsonObject answer = expectError(jsonRequest(path.startsWith("/items") ? "PUT" : "POST", path, body, true), 400, "invalid_json");
        assertTrue(answer.getString("message").contains("nesting depth"), answer.encode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"k\":1,\"k\":1}", "{/* hi */\"k\":1}", "{\"k\":1} // trailing", "{\"k\":1}{}", "{\"k\":NaN}"})
    void notStrictJson_is400Everywhere(String body) throws Exception {
        expectError(jsonRequest("POST", "/recommend", body, false), 400, "invalid_json");
        String item = body.replace("\"k\":1", "\"title\":\"t\",\"price\":1");
        expectError(jsonRequest("PUT", "/items/strict-1", item, true), 400, "invalid_json");
        String event = body.replace("\"k\":1", "\"event_type\":\"view\",\"session_id\":\"s1\",\"item_id\":\"A001\"");
        expectError(jsonRequest("POST", "/events", event, false), 400, "invalid_json");
    }

    @Test
    void badPercentEscape_is400WithoutATrace() throws Exception {
        for (int i = 0; i < 30; i++) expectError(request("GET", "/%zz", Map.of(), null), 400, "bad_request");
        List<java.util.logging.LogRecord> lines = logs.from(ClientErrorLog.LOGGER);
        assertTrue(!lines.isEmpty() && lines.size() <= ClientErrorLog.LINES_PER_MINUTE, "one rate-limited line per request: " + lines.size());
        assertTrue(lines.stream().allMatch(r -> r.getThrown() == null && r.getLevel() == java.util.logging.Level.INFO));
    }

    @Test
    void protocolErrors_followTheJsonContract() throws Exception {
        expectError(request("GET", "/" + "a".repeat(10_000), Map.of(), null), 414, "uri_too_long");
        expectError(request("GET", "/health/live", Map.of("X-Big", "b".repeat(10_000)), null), 431, "header_fields_too_large");
        expectError("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 400, "bad_request");
        expectError(request("POST", "/recommend", Map.of("Content-Length", "abc"), null), 400, "bad_request");
        expectError(("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 400, "bad_request");
    }

    /** Found by FuzzIT: Vert.x fails routing without a Host header (was a 500 with a SEVERE trace). */
    @Test
    void http11WithoutHost_is400() throws Exception {
        expectError("GET /health/live HTTP/1.1\r\nX-A: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 400, "bad_request");
    }

    /** Found by FuzzIT: a malformed 'Upgrade: h2c' got Vert.x's empty 400; the server speaks HTTP/1.x only and ignores it. */
    @Test
    void h2cUpgrade_isIgnored() throws Exception {
        RawHttp.Exchange e = RawHttp.exchange(harness.server.port(), request("GET", "/health/live",
                Map.of("Upgrade", "h2c", "Connection", "Upgrade, HTTP2-Settings", "HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"), null), 1, 5000);
        assertEquals(200, e.responses().get(0).status(), new String(e.raw(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void clientThatGoesAway_isNotSevere() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", harness.server.port())) {
                s.getOutputStream().write(("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"k\":")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
        }
        Thread.sleep(300);
        assertEquals(List.of(), logs.severe());
        assertEquals(200, harness.get("/health/live").statusCode());
    }

    @Test
    void http10AndPipelining_areAnswered() throws Exception {
        RawHttp.Exchange e = RawHttp.exchange(harness.server.port(), "GET /health/live HTTP/1.0\r\n\r\n", 1, 5000);
        assertEquals(200, e.responses().get(0).status());
        String two = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
        RawHttp.Exchange p = RawHttp.exchange(harness.server.port(), two, 2, 5000);
        assertEquals(List.of(200, 404), p.responses().stream().map(RawHttp.Response::status).toList());
    }
}
