package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code inference.dispatch}: every mode gives the same answers, and the key is validated. */
class DispatchTest {
    @Test
    void everyDispatchMode_sameAnswers(@TempDir Path artifacts) {
        FixtureBundle.copyTo(artifacts);
        List<JsonObject> bodies = List.of(
                new JsonObject().put("context", new JsonObject().put("country", "France").put("timestamp", "2011-11-04T09:30:00Z")).put("k", 5),
                new JsonObject().put("context", new JsonObject().put("timestamp", "2011-12-01T18:00:00Z"))
                        .put("history", new JsonArray().add("C001").add("ZZZ")).put("k", 12),
                new JsonObject().put("context", new JsonObject().put("timestamp", "2011-12-01T18:00:00Z"))
                        .put("filters", new JsonObject().put("categories", new JsonArray().add("bags"))).put("k", 3));
        List<List<String>> answers = new ArrayList<>();
        for (Dispatch mode : Dispatch.values()) {
            try (ServerHarness h = new ServerHarness(artifacts, Map.of("inference.dispatch", mode.label()))) {
                assertTrue(h.awaitInitialLoad());
                List<String> got = new ArrayList<>();
                for (JsonObject body : bodies) {
                    var r = h.recommend(body);
                    assertEquals(200, r.statusCode(), mode + ": " + r.bodyAsString());
                    got.add(r.bodyAsString().replaceFirst("\"took_ms\":[0-9.eE-]+,", ""));
                }
                var bad = h.recommend(new JsonObject().put("k", 0));
                assertEquals(400, bad.statusCode(), mode + ": " + bad.bodyAsString());
                answers.add(got);
                assertTrue(h.blockedEventLoops.isEmpty(), mode + ": " + h.blockedEventLoops);
            }
        }
        for (int i = 1; i < answers.size(); i++) assertEquals(answers.get(0), answers.get(i), Dispatch.values()[i].label());
    }

    @Test
    void dispatch_unknownValue_failsNamingTheKey() {
        var e = assertThrows(MercuryConfig.ConfigException.class,
                () -> MercuryConfig.load(null, Map.of(), Map.of("inference.dispatch", "carrier-pigeon")));
        assertTrue(e.getMessage().contains("inference.dispatch"), e.getMessage());
        assertEquals(Dispatch.WORKER, MercuryConfig.load(null, Map.of("MERCURY_INFERENCE_DISPATCH", "worker"), Map.of()).dispatch());
        var c = assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(null, Map.of(), Map.of("cache.max_entries", 0)));
        assertTrue(c.getMessage().contains("cache.max_entries"), c.getMessage());
    }
}
