package ai.mercury.server;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.GeneratedShop;
import ai.mercury.data.ItemRecord;
import ai.mercury.eval.EvalQuery;
import ai.mercury.eval.EvalSetup;
import ai.mercury.feature.HashingTextEncoder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17's parity bar: a {@code /recommend} by session id ranks exactly as the same request with
 * that history sent explicitly. The requests are the evaluation's own test queries (those with a
 * history: warm and cold_user_first_item): each query's history is replayed through
 * {@code POST /events} as one fresh session's events, oldest first, then the query is asked twice
 * against the real server, by {@code session_id} and with the explicit {@code history}; the item
 * lists and scores must be identical. Runs on a generated shop with a bundle over its catalog
 * (always), and on Online Retail with the committed default bundle when ../shared/data is present.
 */
class SessionParityTest {
    /** Queries per run: enough to cover long warm histories and one-item sessions, quick on a busy CI host. */
    static final int MAX_QUERIES = 200;
    static final Path ONLINE_RETAIL = Path.of("../shared/data/online-retail/online_retail.csv.gz");
    static final Path ONLINE_RETAIL_CONFIG = Path.of("conf/datasets/online-retail.json");
    static final Path DEFAULT_BUNDLE = Path.of("artifacts/20261206T210500Z");

    @Test
    void sessionReplay_ranksAsExplicitHistory_generatedShop(@TempDir Path dir) throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 17);
        DatasetConfig config = DatasetConfig.load(shop.config);
        Dataset data = DatasetLoader.load(shop.csv, config);
        List<CatalogItem> items = new ArrayList<>();
        for (ItemRecord i : data.items()) items.add(i.toCatalogItem());
        Path artifacts = dir.resolve("artifacts");
        BundleWriter.publish(artifacts, BootstrapBundle.build(new BootstrapBundle.Params("20240101T000000Z", 8, new int[] {16}, new int[] {16}, 50, 3),
                items, Map.of("device", List.of(GeneratedShop.DEVICES), "region", List.of(GeneratedShop.REGIONS)), new HashingTextEncoder(16), null));
        int checked = replayAndCompare(artifacts, EvalSetup.prepare(data, config).queries());
        assertTrue(checked >= 20, "the generated shop has queries with a history: " + checked);
    }

    @Test
    void sessionReplay_ranksAsExplicitHistory_onlineRetail(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(ONLINE_RETAIL), "skipped: " + ONLINE_RETAIL + " is absent (the generated-shop case still checks parity)");
        Assumptions.assumeTrue(Files.isDirectory(DEFAULT_BUNDLE), "skipped: the committed default bundle " + DEFAULT_BUNDLE + " is absent");
        DatasetConfig config = DatasetConfig.load(ONLINE_RETAIL_CONFIG);
        Dataset data = DatasetLoader.load(ONLINE_RETAIL, config);
        Path artifacts = dir.resolve("artifacts");
        copyDir(DEFAULT_BUNDLE, artifacts.resolve(DEFAULT_BUNDLE.getFileName()));
        int checked = replayAndCompare(artifacts, EvalSetup.prepare(data, config).queries());
        assertEquals(MAX_QUERIES, checked);
    }

    /** Replays up to {@link #MAX_QUERIES} queries with a history (spread evenly over the list); returns how many were compared. */
    static int replayAndCompare(Path artifacts, List<EvalQuery> all) {
        List<EvalQuery> withHistory = all.stream().filter(q -> !q.history().isEmpty()).toList();
        int step = Math.max(1, withHistory.size() / MAX_QUERIES);
        int checked = 0;
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("events.flush_ms", 50))) {
            assertTrue(h.awaitInitialLoad());
            for (int i = 0; i < withHistory.size() && checked < MAX_QUERIES; i += step) {
                EvalQuery q = withHistory.get(i);
                String session = "parity-" + q.index();
                JsonArray events = new JsonArray();
                for (int j = q.history().size() - 1; j >= 0; j--) { // oldest first: the session lists newest first
                    events.add(new JsonObject().put("event_type", j % 2 == 0 ? "view" : "click").put("session_id", session)
                            .put("item_id", q.history().get(j)));
                }
                var posted = h.post("/events", "application/json", new JsonObject().put("events", events).encode());
                assertEquals(200, posted.statusCode(), posted.bodyAsString());
                assertEquals(q.history().size(), posted.bodyAsJsonObject().getInteger("accepted"), posted.bodyAsString());

                JsonObject bySession = answer(h, q, new JsonObject().put("session_id", session));
                JsonObject explicit = answer(h, q, new JsonObject().put("history", new JsonArray(q.history())));
                assertEquals("session", bySession.getJsonObject("history_used").getString("source"), "query " + q.index());
                assertEquals(explicit.getString("model_version"), bySession.getString("model_version"));
                assertEquals(explicit.getJsonArray("items"), bySession.getJsonArray("items"),
                        "query " + q.index() + " (" + q.slice().key() + ", history " + q.history() + "): items and scores by session id and explicit");
                checked++;
            }
            assertEquals(List.of(), h.blockedEventLoops);
        }
        return checked;
    }

    private static JsonObject answer(ServerHarness h, EvalQuery q, JsonObject body) {
        JsonObject context = new JsonObject().put("timestamp", q.time().toString());
        q.context().forEach(context::put);
        var r = h.recommend(body.put("k", 100).put("context", context));
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    private static void copyDir(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
