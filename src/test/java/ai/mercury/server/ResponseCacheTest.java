package ai.mercury.server;

import ai.mercury.config.CacheConfig;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.feature.UserContext;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The response cache ({@code cache.enabled}) against a real server on the fixture bundle. */
class ResponseCacheTest {
    static final Map<String, Object> CACHE_ON = Map.of("cache.enabled", true, "admin.token", "t",
            "swap.settle_ms", 200, "swap.scan_interval_ms", 300);

    static JsonObject body(String timestamp) {
        return new JsonObject().put("context", new JsonObject().put("country", "France").put("timestamp", timestamp))
                .put("history", new JsonArray().add("A001").add("NOPE")).put("k", 5);
    }

    /** The body without took_ms and recommendation_id (unique per answer): the part a hit must reproduce byte for byte. */
    static String withoutTook(HttpResponse<Buffer> r) {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsString().replaceFirst("\"took_ms\":[0-9.eE-]+,", "").replaceFirst("\"recommendation_id\":\"[^\"]*\",", "");
    }

    static double counter(ServerHarness h, String result) {
        Matcher m = Pattern.compile("(?m)^mercury_cache_requests_total\\{result=\"" + result + "\"[^}]*} ([0-9.eE+-]+)$")
                .matcher(h.get("/metrics").bodyAsString());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void cache_hit_returnsTheIdenticalAnswer_andCountsHitsAndMisses(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, CACHE_ON)) {
            assertTrue(h.awaitInitialLoad());
            String first = withoutTook(h.recommend(body("2011-11-04T09:30:00Z")));
            String second = withoutTook(h.recommend(body("2011-11-04T09:30:00Z")));
            assertEquals(first, second);
            assertEquals(1.0, counter(h, "miss"));
            assertEquals(1.0, counter(h, "hit"));
            assertTrue(first.contains("\"unknown_history\":[\"NOPE\"]"), first);

            // Same second, another millisecond, another spelling of the country: the same model inputs, so a hit
            String third = withoutTook(h.recommend(body("2011-11-04T09:30:00.750Z")
                    .put("context", new JsonObject().put("country", " FRANCE ").put("timestamp", "2011-11-04T09:30:00.750Z"))));
            assertEquals(first, third);
            assertEquals(2.0, counter(h, "hit"));
            // ... and what a fresh computation at that instant gives
            Snapshot s = h.server.snapshots().acquire();
            try {
                Recommendation fresh = Recommender.recommend(s, new RecommendQuery(new UserContext(Map.of("country", "France"),
                        Instant.parse("2011-11-04T09:30:00.750Z"), List.of("A001", "NOPE"), null), 5, Filters.NONE));
                String computed = new String(ResponseWriter.assemble(fresh.modelVersion(), 0, "any-id",
                        "{\"count\":2,\"source\":\"request\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII), ResponseWriter.answer(fresh)).getBytes())
                        .replaceFirst("\"took_ms\":[0-9.eE-]+,", "").replaceFirst("\"recommendation_id\":\"[^\"]*\",", "");
                assertEquals(computed, third);
            } finally {
                s.release();
            }

            // Another second is another key
            String other = withoutTook(h.recommend(body("2011-11-04T15:30:01Z")));
            assertNotEquals(first, other);
            assertEquals(2.0, counter(h, "miss"));
            assertTrue(h.blockedEventLoops.isEmpty(), h.blockedEventLoops.toString());
        }
    }

    @Test
    void cache_afterSwap_neverServesTheOldVersionsEntries(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, CACHE_ON)) {
            assertTrue(h.awaitInitialLoad());
            JsonObject request = body("2011-11-04T09:30:00Z");
            String old = withoutTook(h.recommend(request));
            assertEquals(old, withoutTook(h.recommend(request)));
            assertEquals(1.0, counter(h, "hit"));

            // The same towers and vectors under a new version, with other titles: a stale entry would show the old titles
            String version = "20260105T000000Z";
            Path staged = Drops.stage(artifacts, version);
            try {
                Path items = staged.resolve("items.jsonl");
                Files.writeString(items, Files.readString(items).replace("\"title\":\"", "\"title\":\"NEW "));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Drops.fixFileEntry(staged, "items.jsonl");
            Drops.drop(staged);
            Drops.await(() -> h.server.snapshots().peek().version().equals(version), Duration.ofSeconds(10), () -> h.bundles().encode());

            JsonObject now = new JsonObject(h.recommend(request).body());
            assertEquals(version, now.getString("model_version"));
            for (Object item : now.getJsonArray("items")) {
                assertTrue(((JsonObject) item).getString("title").startsWith("NEW "), now.encode());
            }
            assertEquals(old.replace("\"title\":\"", "\"title\":\"NEW ").replace(FixtureBundle.VERSION, version),
                    withoutTook(h.recommend(request)), "the new version's answer (then cached) is the old one with the new titles");
            assertEquals(2.0, counter(h, "miss"), "the first request after the swap is a miss");
        }
    }

    @Test
    void key_holdsWhatTheModelReads_andNothingElse(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of())) {
            assertTrue(h.awaitInitialLoad());
            ResponseCache cache = new ResponseCache(new CacheConfig(true, 100, 60_000));
            Snapshot s = h.server.snapshots().peek();
            Instant t = Instant.parse("2011-11-04T09:30:00.100Z");
            ResponseCache.Key base = cache.key(s, query(Map.of("country", "France"), t, List.of("A001"), 10));
            assertEquals(base, cache.key(s, query(Map.of("country", "france ", "unused_field", "x"), t.plusMillis(800), List.of("A001"), 10)));
            assertEquals(cache.key(s, query(Map.of("country", "Narnia"), t, List.of(), 10)),
                    cache.key(s, query(Map.of("country", "Atlantis"), t, List.of(), 10)), "unknown values share the OOV slot");
            assertNotEquals(base, cache.key(s, query(Map.of("country", "Germany"), t, List.of("A001"), 10)));
            assertNotEquals(base, cache.key(s, query(Map.of("country", "France"), t.plusSeconds(1), List.of("A001"), 10)));
            assertNotEquals(base, cache.key(s, query(Map.of("country", "France"), t, List.of("A001", "A002"), 10)));
            assertNotEquals(base, cache.key(s, query(Map.of("country", "France"), t, List.of("A001"), 11)));
            assertNotEquals(base, cache.key(s, new RecommendQuery(new UserContext(Map.of("country", "France"), t, List.of("A001"), null), 10,
                    new Filters(java.util.Set.of("A002"), java.util.Set.of(), null, null, false))));

            cache.put(base, new byte[] {1});
            assertEquals(1, cache.get(base).length);
            assertNull(cache.get(new ResponseCache.Key(base.version, base.epoch + 1, s.encoder().contextSlots(Map.of("country", "France")),
                    t.getEpochSecond(), List.of("A001"), null, 10, Filters.NONE)), "another epoch is another key");
        }
    }

    static RecommendQuery query(Map<String, String> context, Instant t, List<String> history, int k) {
        return new RecommendQuery(new UserContext(context, t, history, null), k, Filters.NONE);
    }
}
