package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP contract of /recommend, /health and /metrics against a real server on the fixture bundle. */
class HttpApiTest {
    static final String T = "2011-11-04T09:30:00Z";
    static ServerHarness harness;

    @BeforeAll
    static void start(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        harness = new ServerHarness(artifacts, Map.of("limits.max_history", 5, "http.max_body_bytes", 2048));
        assertTrue(harness.awaitInitialLoad(), "the fixture bundle loads");
    }

    @AfterAll
    static void stop() {
        List<String> blocked = List.copyOf(harness.blockedEventLoops);
        harness.close();
        assertEquals(List.of(), blocked, "the event loop was blocked");
    }

    static JsonObject context(String country) {
        return new JsonObject().put("country", country).put("timestamp", T);
    }

    static JsonObject ok(HttpResponse<Buffer> r) {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals("application/json", r.getHeader("content-type"));
        return r.bodyAsJsonObject();
    }

    static List<String> ids(JsonObject body) {
        return body.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("item_id")).toList();
    }

    @Test
    void recommend_contextOnly_returnsKItemsBestFirst() {
        JsonObject body = ok(harness.recommend(new JsonObject().put("context", context("France")).put("k", 5)));
        assertEquals(FixtureBundle.VERSION, body.getString("model_version"));
        JsonArray items = body.getJsonArray("items");
        assertEquals(5, items.size());
        double previous = Double.POSITIVE_INFINITY;
        for (Object o : items) {
            JsonObject item = (JsonObject) o;
            assertTrue(item.getDouble("score") <= previous, "scores descend");
            previous = item.getDouble("score");
            assertTrue(item.containsKey("title") && item.containsKey("price") && item.containsKey("category"), item.encode());
        }
        assertEquals(5, new HashSet<>(ids(body)).size(), "no duplicates");
        assertTrue(body.getDouble("took_ms") >= 0);
        assertEquals(new JsonArray(), body.getJsonArray("unknown_history"));
    }

    @Test
    void recommend_noK_returnsDefaultCappedByCatalog() {
        JsonObject body = ok(harness.recommend(new JsonObject()));
        assertEquals(FixtureBundle.ITEMS.size(), body.getJsonArray("items").size(), "default k=20 > 12 items");
    }

    @Test
    void recommend_unknownCountry_usesOovBucket() {
        JsonObject a = ok(harness.recommend(new JsonObject().put("context", context("Atlantis")).put("k", 12)));
        JsonObject b = ok(harness.recommend(new JsonObject().put("context", context("Narnia")).put("k", 12)));
        JsonObject missing = ok(harness.recommend(new JsonObject().put("context", new JsonObject().put("timestamp", T)).put("k", 12)));
        assertEquals(a.getJsonArray("items"), b.getJsonArray("items"), "two unknown countries share the OOV bucket");
        assertEquals(a.getJsonArray("items"), missing.getJsonArray("items"), "a missing country is the OOV bucket too");
        JsonObject known = ok(harness.recommend(new JsonObject().put("context", context("Germany")).put("k", 12)));
        assertNotEquals(a.getJsonArray("items"), known.getJsonArray("items"), "a known country changes the scores");
    }

    @Test
    void recommend_contextValue_matchesCaseInsensitively_andIgnoresUnusedFields() {
        JsonObject upper = ok(harness.recommend(new JsonObject().put("context", context("France")).put("k", 12)));
        JsonObject lower = ok(harness.recommend(new JsonObject().put("context", context(" france ").put("browser", "firefox")).put("k", 12)));
        assertEquals(upper.getJsonArray("items"), lower.getJsonArray("items"));
    }

    @Test
    void recommend_unknownHistory_isSkippedAndListed() {
        JsonObject withUnknown = ok(harness.recommend(new JsonObject().put("context", context("France"))
                .put("history", new JsonArray().add("NOPE-1").add("A001").add("NOPE-2")).put("k", 12)));
        assertEquals(new JsonArray().add("NOPE-1").add("NOPE-2"), withUnknown.getJsonArray("unknown_history"));
        JsonObject known = ok(harness.recommend(new JsonObject().put("context", context("France"))
                .put("history", new JsonArray().add("A001")).put("k", 12)));
        assertEquals(known.getJsonArray("items"), withUnknown.getJsonArray("items"), "unknown ids change nothing");
        JsonObject none = ok(harness.recommend(new JsonObject().put("context", context("France")).put("k", 12)));
        assertNotEquals(none.getJsonArray("items"), known.getJsonArray("items"), "history changes the scores");
    }

    @Test
    void recommend_filters_areHonoured() {
        JsonObject body = ok(harness.recommend(new JsonObject().put("context", context("France")).put("k", 10)
                .put("filters", new JsonObject().put("categories", new JsonArray().add("bags")).put("exclude", new JsonArray().add("B001")))));
        assertEquals(Set.of("B002", "B003", "B004"), new HashSet<>(ids(body)), "only the bags that are not excluded");
        JsonObject cheap = ok(harness.recommend(new JsonObject().put("k", 12).put("filters", new JsonObject().put("price_max", 2.0))));
        for (Object o : cheap.getJsonArray("items")) assertTrue(((JsonObject) o).getDouble("price") <= 2.0);
        assertEquals(5, cheap.getJsonArray("items").size(), "five items cost at most 2.00");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"k\": |400|invalid_json",
            "[1, 2]|400|invalid_json",
            "{\"k\": \"5\"}|400|bad_request",
            "{\"k\": 5.5}|400|bad_request",
            "{\"k\": 0}|400|bad_request",
            "{\"k\": 1001}|400|bad_request",
            "{\"context\": \"France\"}|400|bad_request",
            "{\"context\": {\"country\": 7}}|400|bad_request",
            "{\"context\": {\"timestamp\": \"yesterday\"}}|400|bad_request",
            "{\"history\": \"A001\"}|400|bad_request",
            "{\"history\": [\"A001\", 5]}|400|bad_request",
            "{\"history\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}|400|bad_request",
            "{\"query\": 12}|400|bad_request",
            "{\"histroy\": []}|400|bad_request",
            "{\"filters\": {\"price_min\": 5, \"price_max\": 1}}|400|bad_request",
            "{\"filters\": {\"colour\": \"red\"}}|400|bad_request",
            "{\"filters\": {\"in_stock_only\": \"yes\"}}|400|bad_request",
    })
    void recommend_clientMistake_isJsonError(String body, int status, String code) {
        HttpResponse<Buffer> r = harness.post("/recommend", "application/json", body);
        assertError(r, status, code);
    }

    @Test
    void recommend_bodyOverLimit_is413() {
        String big = "{\"query\": \"" + "x".repeat(4096) + "\"}";
        assertError(harness.post("/recommend", "application/json", big), 413, "payload_too_large");
    }

    @Test
    void recommend_nonJsonContentType_is415() {
        assertError(harness.post("/recommend", "text/plain", "{}"), 415, "unsupported_media_type");
        assertError(harness.post("/recommend", null, "{}"), 415, "unsupported_media_type");
        assertEquals(200, harness.post("/recommend", "application/json; charset=utf-8", "{}").statusCode());
    }

    @Test
    void unknownRoute_and_wrongMethod_areJsonErrors() {
        assertError(harness.get("/nothing-here"), 404, "not_found");
        assertError(harness.get("/recommend"), 405, "method_not_allowed");
    }

    @Test
    void health_liveAndReady() {
        assertEquals(200, harness.get("/health/live").statusCode());
        HttpResponse<Buffer> ready = harness.get("/health/ready");
        assertEquals(200, ready.statusCode());
        assertEquals(FixtureBundle.VERSION, ready.bodyAsJsonObject().getString("model_version"));
    }

    @Test
    void metrics_exposeServingMeters() {
        ok(harness.recommend(new JsonObject().put("k", 3)));
        HttpResponse<Buffer> r = harness.get("/metrics");
        assertEquals(200, r.statusCode());
        String text = r.bodyAsString();
        for (String expected : List.of(
                "mercury_inference_seconds_bucket{",
                "mercury_search_seconds_count",
                "mercury_recommend_seconds_bucket{",
                "mercury_model_info{index=\"exact\",version=\"" + FixtureBundle.VERSION + "\"} 1",
                "mercury_index_items 12",
                "vertx_http_server_response_time_seconds_bucket{",
                "route=\"/recommend\"",
                "jvm_memory_used_bytes",
                "jvm_gc_")) {
            assertTrue(text.contains(expected), "missing " + expected);
        }
    }

    static void assertError(HttpResponse<Buffer> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.bodyAsString());
        assertEquals("application/json", r.getHeader("content-type"));
        JsonObject body = r.bodyAsJsonObject();
        assertEquals(code, body.getString("error"), body.encode());
        assertTrue(body.getString("message") != null && !body.getString("message").isBlank(), "a message is given");
    }
}
