package ai.mercury.eval;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.GeneratedShop;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole run on a generated shop and two untrained bundles over its catalog: reports, charts, manifests. */
class EvalRunnerTest {
    @TempDir
    Path dir;

    private Path bundle(Path artifacts, String version, List<CatalogItem> items, long seed) throws Exception {
        return BundleWriter.publish(artifacts, BootstrapBundle.build(new BootstrapBundle.Params(version, 8, new int[] {16}, new int[] {16}, 10, seed),
                items, Map.of("device", List.of(GeneratedShop.DEVICES), "region", List.of(GeneratedShop.REGIONS)), new HashingTextEncoder(16), null));
    }

    @Test
    void run_generatedShopTwoBundles_writesReportsChartsAndManifests() throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 11);
        List<CatalogItem> items = new ArrayList<>();
        for (ItemRecord i : DatasetLoader.load(shop.csv, DatasetConfig.load(shop.config)).items()) items.add(i.toCatalogItem());
        Path artifacts = dir.resolve("artifacts");
        Path b1 = bundle(artifacts, "20240101T000000Z", items, 1);
        Path b2 = bundle(artifacts, "20240102T000000Z", items, 2);
        Path out = dir.resolve("reports");

        EvalOptions options = new EvalOptions(List.of(b1, b2), shop.csv, shop.config, out, IndexParams.DEFAULTS.withKind(IndexKind.HNSW), 2,
                new HashingTextEncoder(32), null, true, "mercury eval (test)", null);
        EvalRunner.Result result = EvalRunner.run(options, line -> { });

        assertEquals(List.of(out.resolve("20240101T000000Z.json"), out.resolve("20240102T000000Z.json"),
                out.resolve("compare-20240101T000000Z_20240102T000000Z.json")), result.reports());
        JsonNode report = Json.MAPPER.readTree(out.resolve("20240101T000000Z.json").toFile());
        assertEquals("generated-shop/1", report.get("protocol").asText());
        assertEquals(List.of("random", "popularity", "popularity_by_region", "cooccurrence", "text_knn", "model", "model_exact"),
                iterable(report.get("methods").fieldNames()));
        EvalSetup setup = result.contents().get(0).setup();
        for (Slice s : Slice.values()) {
            int n = setup.queryCounts().get(s);
            assertTrue(n > 0, s + " has queries on the generated shop");
            assertEquals(n, report.get("queries").get(s.key()).asInt());
            assertEquals(n, report.get("methods").get("model").get(s.key()).get("queries").asInt());
        }
        double ann = report.get("ann_recall@100").asDouble();
        assertTrue(ann > 0.9 && ann <= 1.0, "HNSW over 32 items finds (nearly) what exact search finds: " + ann);
        assertEquals("hnsw", report.get("bundles").get(0).get("served_index").asText());
        assertTrue(report.get("choices").size() > 5);
        for (Slice s : Slice.values()) assertTrue(Files.size(out.resolve("20240101T000000Z-" + s.key() + ".png")) > 1000);
        assertTrue(Files.readString(out.resolve("20240101T000000Z.md")).contains("| model_exact | "));

        JsonNode compare = Json.MAPPER.readTree(out.resolve("compare-20240101T000000Z_20240102T000000Z.json").toFile());
        assertTrue(compare.get("methods").has("model@20240101T000000Z"));
        assertTrue(compare.get("methods").has("model_exact@20240102T000000Z"));
        assertTrue(compare.get("ann_recall@100").has("20240102T000000Z"));

        for (Path b : List.of(b1, b2)) {
            JsonNode evaluation = Json.MAPPER.readTree(b.resolve("manifest.json").toFile()).get("evaluation");
            assertEquals(setup.queryCounts().get(Slice.WARM), evaluation.get("model").get("warm").get("queries").asInt());
            assertTrue(evaluation.has("ann_recall@100"));
            BundleReader.read(b);   // the checksums still hold
        }
        assertEquals(List.of(), iterable(Files.list(b1).filter(p -> p.getFileName().toString().startsWith(".")).iterator()), "no temp files left");
    }

    @Test
    void run_sameInputs_sameFigures() throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 3);
        EvalOptions options = new EvalOptions(List.of(), shop.csv, shop.config, dir.resolve("a"), IndexParams.DEFAULTS, 2, null, "no encoder in this test",
                false, "t", null);
        EvalReport a = EvalRunner.run(options, line -> { }).contents().get(0);
        EvalReport b = EvalRunner.run(options, line -> { }).contents().get(0);
        assertEquals(a.methods().keySet(), b.methods().keySet());
        for (String m : a.methods().keySet()) assertEquals(a.methods().get(m).slices(), b.methods().get(m).slices(), m);
        assertEquals("no encoder in this test", a.methods().get("text_knn").unavailable());
        assertEquals("baselines", a.title());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
