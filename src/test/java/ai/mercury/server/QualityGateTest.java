package ai.mercury.server;

import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.eval.ManifestEvaluation;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With minimum figures configured, a bundle serves only when its manifest's evaluation meets them;
 * writing the figures later (as mercury eval does) changes the directory, so it is tried again.
 * A prebuilt index.hnsw is accepted (checksummed) and not read.
 */
class QualityGateTest {
    static final Map<String, Object> CONFIG = Map.of("admin.token", "gate-token", "swap.settle_ms", 100, "swap.scan_interval_ms", 200,
            "swap.min_recall_at_100.warm", 0.05, "swap.min_ann_recall_at_100", "0.9");

    @Test
    void gate_rejectsMissingOrLowFigures_acceptsOnceEvaluated(@TempDir Path artifacts) throws Exception {
        Path v1 = FixtureBundle.copyTo(artifacts);
        ManifestEvaluation.write(v1, evaluation(0.1, 1.0));
        try (ServerHarness h = new ServerHarness(artifacts, CONFIG)) {
            assertTrue(h.awaitInitialLoad());
            assertEquals(FixtureBundle.VERSION, h.servedVersion());

            Drops.publish(artifacts, "20260102T000000Z"); // no evaluation at all
            JsonObject noFigures = awaitRejection(h, "20260102T000000Z");
            assertEquals(ai.mercury.model.QualityGate.REASON, noFigures.getString("reason"));
            assertTrue(noFigures.getString("message").contains("no number at evaluation.model.warm.recall@100"), noFigures.encode());

            Path staged = Drops.stage(artifacts, "20260103T000000Z");
            Drops.editManifest(staged, m -> m.set("evaluation", evaluation(0.01, 1.0)));
            Path v3 = Drops.drop(staged);
            JsonObject low = awaitRejection(h, "20260103T000000Z");
            assertTrue(low.getString("message").contains("evaluation.model.warm.recall@100 is 0.010000, below swap.min_recall_at_100.warm = 0.05"),
                    low.encode());
            assertEquals(FixtureBundle.VERSION, h.servedVersion());

            ManifestEvaluation.write(v3, evaluation(0.2, 0.95)); // mercury eval on the bundle in place
            Drops.await(() -> "20260103T000000Z".equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());

            Path withIndex = Drops.stage(artifacts, "20260104T000000Z");
            Files.write(withIndex.resolve(Manifest.HNSW_INDEX), new byte[] {1, 2, 3, 4});
            Drops.fixFileEntry(withIndex, Manifest.HNSW_INDEX);
            Drops.editManifest(withIndex, m -> m.set("evaluation", evaluation(0.3, 1.0)));
            Drops.drop(withIndex);
            Drops.await(() -> "20260104T000000Z".equals(h.activeVersion()), Duration.ofSeconds(10), () -> h.bundles().encode());
            assertEquals("exact", h.bundles().getJsonObject("active").getString("index"), "the index is built, the shipped file not read");
            assertEquals(2.0, h.metric("mercury_bundle_rejections_total{reason=\"quality_gate\"}"));
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    static ObjectNode evaluation(double warmRecall100, double annRecall100) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.putObject("model").putObject("warm").put("recall@100", warmRecall100);
        e.put("ann_recall@100", annRecall100);
        return e;
    }

    static JsonObject awaitRejection(ServerHarness h, String version) {
        Drops.await(() -> !RejectionRetryTest.rejections(h, version).isEmpty(), Duration.ofSeconds(10), () -> h.bundles().encode());
        return RejectionRetryTest.rejections(h, version).get(0);
    }

}
