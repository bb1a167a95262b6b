package ai.mercury.server;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle whose feature spec reads query text serves, with the text encoder its manifest names. */
class QueryBundleServingTest {

    @Test
    void aQueryEnabledBundleServesAndTheQueryChangesTheRanking(@TempDir Path artifacts) throws Exception {
        String version = "20260101T000000Z";
        BundleWriter.Content base = FixtureBundle.content(version);
        FeatureSpec fs = base.featureSpec();
        FeatureSpec withQuery = new FeatureSpec(fs.context(), fs.time(), fs.history(), new FeatureSpec.QuerySpec(true), fs.item());
        TowerSpec userTower = TowerSpec.randomInit(withQuery.userInputs(FixtureBundle.DIM, 16), new int[] {16}, FixtureBundle.DIM,
                true, Manifest.USER_OUTPUT, 99L);
        BundleWriter.publish(artifacts, new BundleWriter.Content(version, withQuery, base.textEncoder(), userTower, base.itemTower(),
                base.items(), base.itemVectors(), base.training(), null));
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("admin.token", "query-test"))) {
            assertTrue(h.awaitInitialLoad(), () -> "the query-enabled bundle loads: " + h.bundles().encode());
            JsonArray bag = scores(h, "red lunch bag");
            JsonArray cake = scores(h, "regency cakestand");
            assertEquals(FixtureBundle.ITEMS.size(), bag.size());
            assertNotEquals(bag, cake, "the query text reaches the user tower");
            assertEquals(bag, scores(h, "red lunch bag"), "the same query gives the same answer");
        }
    }

    private static JsonArray scores(ServerHarness h, String query) {
        HttpResponse<Buffer> r = h.recommend(new JsonObject().put("query", query).put("k", 100)
                .put("context", new JsonObject().put("timestamp", "2011-11-04T09:30:00Z")));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonArray out = new JsonArray();
        for (Object o : r.bodyAsJsonObject().getJsonArray("items")) {
            JsonObject item = (JsonObject) o;
            out.add(item.getString("item_id") + "=" + item.getFloat("score"));
        }
        return out;
    }
}
