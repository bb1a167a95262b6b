package ai.mercury.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static ai.mercury.cli.BundleVerifyCommandTest.mercury;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.index.Vectors;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import ai.mercury.cli.BundleVerifyCommandTest.Run;
import org.junit.jupiter.api.io.TempDir;

/** {@code mercury bundle synth}: synthetic catalogs around a real bundle, on the fixture bundle. */
class BundleSynthCommandTest {
    @TempDir
    Path dir;

    static double norm(float[] data, int row, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) s += (double) data[row * dim + d] * data[row * dim + d];
        return Math.sqrt(s);
    }

    @Test
    void synth_500Items_passesVerify_sameTowers_normsFromTheSource_vectorsNearRealOnes() throws Exception {
        Path source = FixtureBundle.copyTo(dir.resolve("src"));
        Path out = dir.resolve("out");

        Run run = mercury("bundle", "synth", "--from", source.toString(), "--items", "500", "--out", out.toString(), "--seed", "3");
        assertEquals(0, run.exitCode(), run.out());
        Path bundleDir = out.resolve(FixtureBundle.VERSION + "-syn500");
        assertTrue(run.out().contains("published " + bundleDir), run.out());

        Run verify = mercury("bundle", "verify", bundleDir.toString());
        assertEquals(0, verify.exitCode(), verify.out());
        assertTrue(verify.out().contains("PASS " + FixtureBundle.VERSION + "-syn500: 500 items"), verify.out());

        Bundle src = BundleReader.read(source);
        Bundle syn = BundleReader.read(bundleDir);
        for (String tower : new String[] {Manifest.USER_TOWER, Manifest.ITEM_TOWER}) {
            assertEquals(-1L, Files.mismatch(source.resolve(tower), bundleDir.resolve(tower)), tower + " is the source's");
        }
        assertEquals(src.manifest().featureSpec(), syn.manifest().featureSpec());
        JsonNode manifest = Json.MAPPER.readTree(bundleDir.resolve(Manifest.FILE_NAME).toFile());
        assertEquals(FixtureBundle.VERSION, manifest.at("/derived_from/version").asText());
        assertEquals(500, manifest.at("/derived_from/synthetic/items").asInt());
        assertTrue(manifest.get("evaluation") == null || manifest.get("evaluation").isNull(), "no evaluation figures of another catalog");

        Vectors sv = src.itemVectors();
        Vectors yv = syn.itemVectors();
        int dim = sv.dim();
        Set<Long> sourceNorms = new HashSet<>();
        for (int j = 0; j < sv.count(); j++) sourceNorms.add(Math.round(norm(sv.data(), j, dim) * 1e4));
        Set<String> ids = new HashSet<>();
        double cosines = 0;
        int priced = 0;
        for (int i = 0; i < yv.count(); i++) {
            CatalogItem item = syn.items().get(i);
            assertTrue(ids.add(item.itemId()));
            assertTrue(item.itemId().matches("syn-\\d{7}"), item.itemId());
            assertTrue(item.category() != null && item.title().endsWith(" #" + i), item.toString());
            double n = norm(yv.data(), i, dim);
            assertTrue(sourceNorms.contains(Math.round(n * 1e4)), "norm " + n + " of row " + i + " is a source item's norm");
            // the closest source direction: about 1/sqrt(1 + 0.5²) ≈ 0.89 away from its base on average
            double best = -1;
            for (int j = 0; j < sv.count(); j++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) dot += (double) yv.data()[i * dim + d] * sv.data()[j * dim + d];
                best = Math.max(best, dot / (n * norm(sv.data(), j, dim)));
            }
            cosines += best;
            if (item.price() > 0) priced++;
        }
        double meanCosine = cosines / yv.count();
        assertTrue(meanCosine > 0.8 && meanCosine < 0.99, "mean cosine to the nearest real item: " + meanCosine);
        assertTrue(priced > 400);

        Snapshot s = SnapshotLoader.load(bundleDir, SnapshotLoader.Options.defaults(), line -> { });
        try {
            assertEquals(500, s.catalog().size());
        } finally {
            s.retire();
        }
    }

    @Test
    void synth_sameSeed_sameCatalog_otherSeed_another_withIndex_writesAVerifiedGraph() throws Exception {
        Path source = FixtureBundle.copyTo(dir.resolve("src"));
        Path out = dir.resolve("out");
        assertEquals(0, mercury("bundle", "synth", "--from", source.toString(), "--items", "300", "--out", out.toString(), "--version", "a").exitCode());
        assertEquals(0, mercury("bundle", "synth", "--from", source.toString(), "--items", "300", "--out", out.toString(), "--version", "b").exitCode());
        assertEquals(0, mercury("bundle", "synth", "--from", source.toString(), "--items", "300", "--out", out.toString(), "--version", "c",
                "--seed", "9").exitCode());
        for (String file : new String[] {Manifest.ITEMS, Manifest.ITEM_VECTORS}) {
            assertEquals(-1L, Files.mismatch(out.resolve("a").resolve(file), out.resolve("b").resolve(file)), file);
            assertTrue(Files.mismatch(out.resolve("a").resolve(file), out.resolve("c").resolve(file)) >= 0, file);
        }

        Run indexed = mercury("bundle", "synth", "--from", source.toString(), "--items", "300", "--out", out.toString(),
                "--version", "d", "--with-index");
        assertEquals(0, indexed.exitCode(), indexed.out());
        assertTrue(Files.exists(out.resolve("d").resolve(Manifest.HNSW_INDEX)));
        Run verify = mercury("bundle", "verify", out.resolve("d").toString());
        assertEquals(0, verify.exitCode(), verify.out());
        assertFalse(verify.out().contains("FAIL"), verify.out());

        Run bad = mercury("bundle", "synth", "--from", dir.resolve("nope").toString(), "--items", "10", "--out", out.toString());
        assertEquals(1, bad.exitCode(), bad.out());
        assertFalse(Files.exists(out.resolve("nope-syn10")));
    }
}
