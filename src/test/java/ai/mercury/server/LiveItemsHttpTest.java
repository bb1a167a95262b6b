package ai.mercury.server;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PUT/DELETE/GET /items on a real server over the fixture bundle, its journal, and the replay at a swap. */
class LiveItemsHttpTest {
    private static final double SCORE_TOLERANCE = 1e-4;

    static final String TOKEN = "items-test-token";

    private static Map<String, Object> config(Path journal) {
        return Map.of("admin.token", TOKEN, "swap.settle_ms", 200, "swap.scan_interval_ms", 300, "items.journal_dir", journal.toString());
    }

    private static JsonObject body(HttpResponse<Buffer> r) {
        return r.bodyAsJsonObject();
    }

    private static HttpResponse<Buffer> put(ServerHarness h, String id, JsonObject item) {
        return h.send(HttpMethod.PUT, "/items/" + id, TOKEN, item.encode());
    }

    /** Every item of a k = all request for a French user with {@code history}, best first. */
    private static JsonArray all(ServerHarness h, List<String> history, JsonObject filters) {
        JsonObject req = new JsonObject().put("context", new JsonObject().put("country", "France")).put("k", 1000)
                .put("history", new JsonArray(history));
        if (filters != null) req.put("filters", filters);
        HttpResponse<Buffer> r = h.recommend(req);
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return body(r).getJsonArray("items");
    }

    private static int rank(JsonArray items, String id) {
        for (int i = 0; i < items.size(); i++) if (items.getJsonObject(i).getString("item_id").equals(id)) return i;
        return -1;
    }

    private static double score(JsonArray items, String id) {
        return items.getJsonObject(rank(items, id)).getDouble("score");
    }

    @Test
    void aNewProductIsServedAtOnceEmbeddedLikeTheBundlesItems(@TempDir Path artifacts, @TempDir Path journal) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, config(journal))) {
            assertTrue(h.awaitInitialLoad());
            // A twin of A002 under a new id: same title, price and category, so the item tower must give the same vector.
            CatalogItem twin = FixtureBundle.ITEMS.get(1);
            HttpResponse<Buffer> created = put(h, "NEW-1", new JsonObject().put("title", twin.title()).put("price", twin.price())
                    .put("category", twin.category()).put("description", "listed a minute ago").put("brand", "Acme"));
            assertEquals(201, created.statusCode(), created.bodyAsString());
            assertEquals("created", body(created).getString("status"));
            assertTrue(body(created).getBoolean("embedded"));
            assertEquals(FixtureBundle.VERSION, body(created).getString("model_version"));

            // Visible in the very next request, scored exactly like its twin.
            JsonArray items = all(h, List.of(), null);
            assertEquals(FixtureBundle.ITEMS.size() + 1, items.size());
            // 1e-4, not 1e-6: the Vector API's float reduction order differs between the interpreted and the
            // JIT-compiled kernel, so two requests a JIT compilation apart can differ in the 6th digit.
            assertEquals(score(items, twin.itemId()), score(items, "NEW-1"), SCORE_TOLERANCE);
            // Usable as history: a visitor who touched only the new product is pooled from its vector like one who touched the twin.
            JsonArray viaNew = all(h, List.of("NEW-1"), null);
            JsonArray viaTwin = all(h, List.of(twin.itemId()), null);
            assertEquals(score(viaTwin, "A001"), score(viaNew, "A001"), SCORE_TOLERANCE);
            HttpResponse<Buffer> r = h.recommend(new JsonObject().put("history", new JsonArray().add("NEW-1")).put("k", 3));
            assertEquals(List.of(), body(r).getJsonArray("unknown_history", new JsonArray()).getList());

            JsonObject got = body(h.get("/items/NEW-1"));
            assertEquals("live", got.getString("source"));
            assertEquals("listed a minute ago", got.getJsonObject("item").getString("description"));
            assertEquals("Acme", got.getJsonObject("item").getString("brand"));
            assertEquals(body(h.get("/items/" + twin.itemId())).getDouble("vector_norm"), got.getDouble("vector_norm"), 1e-6);
            assertEquals("bundle", body(h.get("/items/A001")).getString("source"));

            // Metadata only: no re-embedding, the new price is filtered on at once.
            HttpResponse<Buffer> repriced = put(h, "NEW-1", new JsonObject().put("title", twin.title()).put("price", 99.0)
                    .put("category", twin.category()).put("in_stock", false));
            assertEquals(200, repriced.statusCode(), repriced.bodyAsString());
            assertEquals("updated", body(repriced).getString("status"));
            assertFalse(body(repriced).getBoolean("embedded"));
            assertEquals(-1, rank(all(h, List.of(), new JsonObject().put("price_max", 50)), "NEW-1"));
            assertEquals(-1, rank(all(h, List.of(), new JsonObject().put("in_stock_only", true)), "NEW-1"));
            assertTrue(rank(all(h, List.of(), new JsonObject().put("price_min", 50)), "NEW-1") >= 0);

            // A new title is a new vector.
            HttpResponse<Buffer> renamed = put(h, "NEW-1", new JsonObject().put("title", "Jumbo bag pink polkadot").put("price", 99.0));
            assertTrue(body(renamed).getBoolean("embedded"));
            assertEquals(FixtureBundle.ITEMS.size() + 1, all(h, List.of(), null).size());

            // Delete: gone from results and lookups at once.
            assertEquals(200, h.send(HttpMethod.DELETE, "/items/NEW-1", TOKEN, null).statusCode());
            assertEquals(-1, rank(all(h, List.of(), null), "NEW-1"));
            assertEquals(404, h.get("/items/NEW-1").statusCode());
            assertEquals("item_not_found", body(h.send(HttpMethod.DELETE, "/items/NEW-1", TOKEN, null)).getString("error"));
            // Bundle items can be deleted too.
            assertEquals(200, h.send(HttpMethod.DELETE, "/items/C004", TOKEN, null).statusCode());
            assertEquals(-1, rank(all(h, List.of(), null), "C004"));
            assertEquals(List.of(), h.blockedEventLoops);
        }
    }

    @Test
    void theResponseCacheNeverServesAnAnswerFromBeforeAWrite(@TempDir Path artifacts, @TempDir Path journal) {
        FixtureBundle.copyTo(artifacts);
        Map<String, Object> cfg = new java.util.HashMap<>(config(journal));
        cfg.put("cache.enabled", true);
        try (ServerHarness h = new ServerHarness(artifacts, cfg)) {
            assertTrue(h.awaitInitialLoad());
            // A fixed timestamp: context-only requests like this one are what the cache serves repeatedly.
            JsonObject req = new JsonObject().put("k", 50)
                    .put("context", new JsonObject().put("country", "France").put("timestamp", "2011-11-04T09:30:00Z"));
            JsonArray before = body(h.recommend(req)).getJsonArray("items");
            assertEquals(before, body(h.recommend(req)).getJsonArray("items"), "a cache hit answers the same");
            assertEquals(201, put(h, "CACHED-1", new JsonObject().put("title", "Lunch bag black skull").put("price", 1.65)
                    .put("category", "bags")).statusCode());
            assertTrue(rank(body(h.recommend(req)).getJsonArray("items"), "CACHED-1") >= 0, "read-your-writes through the cache");
            assertEquals(200, h.send(HttpMethod.DELETE, "/items/CACHED-1", TOKEN, null).statusCode());
            assertEquals(-1, rank(body(h.recommend(req)).getJsonArray("items"), "CACHED-1"), "and deletes too");
        }
    }

    @Test
    void badWritesAreClearErrorsAndChangeNothing(@TempDir Path artifacts, @TempDir Path journal) {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, config(journal))) {
            assertTrue(h.awaitInitialLoad());
            JsonObject ok = new JsonObject().put("title", "Blue lantern").put("price", 3.5);
            assertEquals(401, h.send(HttpMethod.PUT, "/items/X1", null, ok.encode()).statusCode());
            assertEquals(401, h.send(HttpMethod.PUT, "/items/X1", "wrong", ok.encode()).statusCode());
            assertEquals(401, h.send(HttpMethod.DELETE, "/items/A001", null, null).statusCode());
            String longTitle = "x".repeat(513);
            Map<String, JsonObject> bad = Map.of(
                    "missing title", new JsonObject().put("price", 1),
                    "blank title", new JsonObject().put("title", "  ").put("price", 1),
                    "oversized title", new JsonObject().put("title", longTitle).put("price", 1),
                    "negative price", new JsonObject().put("title", "t").put("price", -1),
                    "price not a number", new JsonObject().put("title", "t").put("price", "cheap"),
                    "missing price", new JsonObject().put("title", "t"),
                    "in_stock not boolean", new JsonObject().put("title", "t").put("price", 1).put("in_stock", "yes"),
                    "id mismatch", new JsonObject().put("item_id", "OTHER").put("title", "t").put("price", 1));
            for (Map.Entry<String, JsonObject> e : bad.entrySet()) {
                HttpResponse<Buffer> r = put(h, "X1", e.getValue());
                assertEquals(400, r.statusCode(), e.getKey() + ": " + r.bodyAsString());
                assertEquals("bad_request", body(r).getString("error"), e.getKey());
                assertFalse(body(r).getString("message").isBlank());
            }
            HttpResponse<Buffer> infinite = h.send(HttpMethod.PUT, "/items/X1", TOKEN, "{\"title\":\"t\",\"price\":1e999}");
            assertEquals(400, infinite.statusCode(), infinite.bodyAsString());
            HttpResponse<Buffer> notJson = h.send(HttpMethod.PUT, "/items/X1", TOKEN, "{title");
            assertEquals(400, notJson.statusCode());
            assertEquals("invalid_json", body(notJson).getString("error"));
            HttpResponse<Buffer> badId = h.send(HttpMethod.PUT, "/items/bad%20id", TOKEN, ok.encode());
            assertEquals(400, badId.statusCode(), badId.bodyAsString());
            assertTrue(body(badId).getString("message").contains("letters, digits"));
            assertEquals(400, h.send(HttpMethod.PUT, "/items/" + "a".repeat(129), TOKEN, ok.encode()).statusCode());
            assertEquals(404, h.send(HttpMethod.DELETE, "/items/NOPE", TOKEN, null).statusCode());
            // Nothing above reached the catalog or the journal.
            assertEquals(FixtureBundle.ITEMS.size(), all(h, List.of(), null).size());
            assertEquals(404, h.get("/items/X1").statusCode());
            assertEquals(0, h.server.liveItems().journaledItems());
        }
    }

    @Test
    void writesSurviveARestartAndAreReEmbeddedByANewBundlesTower(@TempDir Path artifacts, @TempDir Path journal) throws Exception {
        FixtureBundle.copyTo(artifacts);
        CatalogItem twin = FixtureBundle.ITEMS.get(4); // B001
        JsonObject twinBody = new JsonObject().put("title", twin.title()).put("price", twin.price()).put("category", twin.category());
        double oldNorm;
        try (ServerHarness h = new ServerHarness(artifacts, config(journal))) {
            assertTrue(h.awaitInitialLoad());
            assertEquals(201, put(h, "LIVE-1", twinBody).statusCode());
            assertEquals(201, put(h, "LIVE-2", new JsonObject().put("title", "Green enamel mug").put("price", 4.0)).statusCode());
            assertEquals(200, h.send(HttpMethod.DELETE, "/items/A003", TOKEN, null).statusCode());
            oldNorm = body(h.get("/items/LIVE-1")).getDouble("vector_norm");
        }
        try (ServerHarness h = new ServerHarness(artifacts, config(journal))) {
            assertTrue(h.awaitInitialLoad());
            assertEquals("live", body(h.get("/items/LIVE-1")).getString("source"));
            assertEquals(oldNorm, body(h.get("/items/LIVE-1")).getDouble("vector_norm"), 1e-6);
            assertEquals(404, h.get("/items/A003").statusCode(), "a delete survives the restart too");
            assertEquals(FixtureBundle.ITEMS.size() + 1, all(h, List.of(), null).size());

            // A new bundle with other towers; created after the writes, it lists LIVE-2 itself, so that write is compacted away.
            String v2 = "20260105T000000Z";
            List<CatalogItem> items = new ArrayList<>(FixtureBundle.ITEMS);
            items.add(new CatalogItem("LIVE-2", "Green enamel mug", 4.0, null));
            BundleWriter.publish(artifacts, FixtureBundle.content(v2, 99L, items));
            Drops.await(() -> v2.equals(h.activeVersion()), Duration.ofSeconds(15), () -> h.bundles().encode());

            JsonObject live1 = body(h.get("/items/LIVE-1"));
            assertEquals(v2, live1.getString("model_version"));
            assertEquals("live", live1.getString("source"));
            double newTwinNorm = body(h.get("/items/" + twin.itemId())).getDouble("vector_norm");
            assertEquals(newTwinNorm, live1.getDouble("vector_norm"), 1e-6, "embedded by the new bundle's item tower");
            JsonArray served = all(h, List.of(), null);
            assertEquals(score(served, twin.itemId()), score(served, "LIVE-1"), 1e-6);
            assertEquals(-1, rank(served, "A003"), "the delete is replayed onto the new bundle");
            assertEquals("bundle", body(h.get("/items/LIVE-2")).getString("source"), "the bundle's own LIVE-2 serves; the write is compacted");
            assertEquals(2, h.server.liveItems().journaledItems(), "LIVE-1 and the delete of A003 remain in the journal");
        }
    }

    @Test
    void manyDeletesTriggerABackgroundRebuildThatKeepsEveryLiveItem(@TempDir Path artifacts, @TempDir Path journal) {
        FixtureBundle.copyTo(artifacts);
        Map<String, Object> cfg = new java.util.HashMap<>(config(journal));
        cfg.put("items.rebuild_min_removed", 5);
        cfg.put("items.rebuild_removed_fraction", 0.2);
        try (ServerHarness h = new ServerHarness(artifacts, cfg)) {
            assertTrue(h.awaitInitialLoad());
            for (int i = 0; i < 8; i++) {
                assertEquals(201, put(h, "R" + i, new JsonObject().put("title", "Item number " + i).put("price", 1 + i)).statusCode());
            }
            for (int i = 0; i < 6; i++) assertEquals(200, h.send(HttpMethod.DELETE, "/items/R" + i, TOKEN, null).statusCode());
            // The rebuild copies the rows between two writes; deletes after that copy are caught up on the new index.
            Drops.await(() -> "index rebuild".equals(h.bundles().getJsonObject("active").getString("cause")), Duration.ofSeconds(15),
                    () -> "no rebuild: " + h.server.snapshots().peek().index().removedCount() + " removed");
            assertTrue(h.server.snapshots().peek().index().removedCount() < 5, "the rebuilt index has dropped the removed rows");
            JsonArray items = all(h, List.of(), null);
            assertEquals(FixtureBundle.ITEMS.size() + 2, items.size());
            assertTrue(rank(items, "R6") >= 0 && rank(items, "R7") >= 0);
            assertEquals(-1, rank(items, "R0"));
        }
    }
}
