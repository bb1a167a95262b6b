package ai.mercury.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cold-start promise on the real model: the server jar on the committed default bundle
 * (all-MiniLM-L6-v2 + the trained towers) takes a product that did not exist a moment ago, and a
 * visitor who touched a product with a similar title gets it among the first recommendations.
 */
class LiveItemsDefaultBundleIT {
    private static final String TOKEN = "it-token";

    static Path newestCommittedBundle() throws IOException {
        try (Stream<Path> dirs = Files.list(Path.of("artifacts"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("manifest.json")) && !d.getFileName().toString().startsWith("."))
                    .max(Path::compareTo).orElseThrow(() -> new IllegalStateException("no bundle under artifacts/"));
        }
    }

    private static List<String> recommend(ServerProcess s, String historyItem) throws Exception {
        HttpResponse<String> r = s.send("POST", "/recommend", null, new JsonObject().put("k", 20)
                .put("context", new JsonObject().put("country", "United Kingdom")).put("history", new JsonArray().add(historyItem)).encode());
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        for (Object o : new JsonObject(r.body()).getJsonArray("items")) ids.add(((JsonObject) o).getString("item_id"));
        return ids;
    }

    @Test
    void aProductListedNowIsRecommendedToAVisitorWhoTouchedASimilarOne(@TempDir Path artifacts, @TempDir Path journal, @TempDir Path logs) throws Exception {
        Path bundle = newestCommittedBundle();
        Path copy = Files.createDirectories(artifacts.resolve(bundle.getFileName()));
        try (Stream<Path> files = Files.list(bundle)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        try (ServerProcess s = ServerProcess.start(artifacts, journal, TOKEN, logs).awaitReady(Duration.ofSeconds(120))) {
            // 22423 is REGENCY CAKESTAND 3 TIER, 85123A WHITE HANGING HEART T-LIGHT HOLDER (Online Retail ids).
            assertTrue(!recommend(s, "22423").contains("NEW-CAKE"));
            HttpResponse<String> put = s.send("PUT", "/items/NEW-CAKE", TOKEN,
                    new JsonObject().put("title", "REGENCY CAKESTAND 4 TIER PINK").put("price", 14.95).encode());
            assertEquals(201, put.statusCode(), put.body());
            assertEquals(201, s.send("PUT", "/items/NEW-HEART", TOKEN,
                    new JsonObject().put("title", "PINK HANGING HEART T-LIGHT HOLDER").put("price", 2.95).encode()).statusCode());
            List<String> cake = recommend(s, "22423");
            List<String> heart = recommend(s, "85123A");
            System.out.println("rank of NEW-CAKE after 22423: " + cake.indexOf("NEW-CAKE") + ", of NEW-HEART after 85123A: " + heart.indexOf("NEW-HEART"));
            assertTrue(cake.indexOf("NEW-CAKE") >= 0 && cake.indexOf("NEW-CAKE") < 10, cake.toString());
            assertTrue(heart.indexOf("NEW-HEART") >= 0 && heart.indexOf("NEW-HEART") < 10, heart.toString());
        }
    }
}
