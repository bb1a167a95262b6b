package ai.mercury.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleReader;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.Sha256;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SnapshotLoader and index.hnsw: a listed graph that matches the bundle and the configured M and
 * efConstruction is loaded instead of built and answers like a fresh build; a graph built with
 * other parameters, over other vectors, corrupt, unlisted, or not wanted (exact index configured)
 * is not used, the index is built, and the bundle still serves. Nothing here ever serves a
 * mismatched graph.
 */
class PrebuiltIndexTest {
    static final int N = 2_000;
    static final IndexParams HNSW = IndexParams.DEFAULTS.withKind(IndexKind.HNSW).withM(8).withEfConstruction(64).withEf(64);

    @TempDir
    static Path artifacts;
    static Path withIndex;
    static Path otherWithIndex;
    static Path plain;

    @BeforeAll
    static void publish() throws IOException {
        withIndex = BundleWriter.publish(artifacts, content("20260101T000001Z", 1), HNSW);
        otherWithIndex = BundleWriter.publish(artifacts, content("20260101T000002Z", 2), HNSW);
        plain = BundleWriter.publish(artifacts, content("20260101T000003Z", 1));
    }

    @Test
    void validIndex_isLoadedNotBuilt_andMatchesExactSearch() throws Exception {
        List<String> log = new ArrayList<>();
        Bundle b = BundleReader.read(withIndex);
        try (ItemIndex index = SnapshotLoader.index(b, HNSW, log::add)) {
            assertTrue(ItemIndexes.isPrebuilt(index), log.toString());
            assertTrue(log.get(0).contains("loaded from the prebuilt index.hnsw"), log.toString());
            double recall = recallAt10(index, b.itemVectors());
            assertTrue(recall >= 0.98, "recall@10 of the prebuilt graph against exact search = " + recall);
        }
    }

    @Test
    void validIndex_servesThroughTheFullLoad() throws Exception {
        List<String> log = new ArrayList<>();
        Snapshot s = SnapshotLoader.load(withIndex, new SnapshotLoader.Options(HNSW, 1, 2, null), log::add);
        try {
            assertTrue(ItemIndexes.isPrebuilt(s.index()));
            assertEquals("hnsw", s.index().kind());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("smoke queries")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("index: query-guided links from "
                    + IndexParams.DEFAULT_GUIDE_SAMPLES + " sample user vectors")), log.toString());
        } finally {
            s.retire();
        }
    }

    @Test
    void graphOrder_renumbersEveryPartOfTheSnapshotAlike_andAnswersAsFileOrder() throws Exception {
        List<String> log = new ArrayList<>();
        Bundle file = BundleReader.read(withIndex);
        Map<String, float[]> rowOf = new LinkedHashMap<>();
        for (int i = 0; i < file.items().size(); i++) rowOf.put(file.items().get(i).itemId(), file.itemVectors().row(i));
        Snapshot graph = SnapshotLoader.load(withIndex, new SnapshotLoader.Options(HNSW, 1, 2, null), log::add);
        Snapshot plainOrder = SnapshotLoader.load(withIndex, new SnapshotLoader.Options(HNSW.withGraphOrder(false), 1, 2, null), l -> { });
        try {
            assertTrue(log.stream().anyMatch(l -> l.startsWith("index: rows renumbered in graph order (" + N + " items")), log.toString());
            int moved = 0;
            for (int o = 0; o < N; o++) {
                String id = graph.catalog().item(o).itemId();
                if (!id.equals(file.items().get(o).itemId())) moved++;
                assertEquals(o, graph.catalog().ordinalOf(id));
                assertArrayEquals(rowOf.get(id), graph.index().vector(o), id);
                assertEquals(id, graph.bundle().items().get(o).itemId());
                assertArrayEquals(rowOf.get(id), graph.bundle().itemVectors().row(o), id);
            }
            assertTrue(moved > N / 2, moved + " of " + N + " items changed place");
            for (int u = 0; u < 20; u++) {
                ai.mercury.feature.UserContext user = new ai.mercury.feature.UserContext(Map.of(),
                        java.time.Instant.ofEpochSecond(1_700_000_000L + u * 7_919L), u % 2 == 0 ? List.of() : List.of(file.items().get(u).itemId()), null);
                float[] v = Recommender.userVector(graph, graph.encoder().encode(user, graph.history()));
                assertArrayEquals(v, Recommender.userVector(plainOrder, plainOrder.encoder().encode(user, plainOrder.history())));
                SearchResult a = graph.index().search(v, 50);
                SearchResult b = plainOrder.index().search(v, 50);
                for (int j = 0; j < 50; j++) {
                    assertEquals(plainOrder.catalog().item(b.ordinal(j)).itemId(), graph.catalog().item(a.ordinal(j)).itemId(), "user " + u + " rank " + j);
                    assertEquals(b.score(j), a.score(j));
                }
            }
        } finally {
            graph.retire();
            plainOrder.retire();
        }
    }

    @Test
    void guideSamplesZero_loadsWithoutGuidedLinks() throws Exception {
        List<String> log = new ArrayList<>();
        Snapshot s = SnapshotLoader.load(withIndex, new SnapshotLoader.Options(HNSW.withGuideSamples(0), 1, 2, null), log::add);
        try {
            assertEquals("hnsw", s.index().kind());
            assertTrue(log.stream().noneMatch(l -> l.contains("query-guided")), log.toString());
        } finally {
            s.retire();
        }
    }

    @Test
    void otherM_isRebuiltWithTheConfiguredParams() throws Exception {
        assertBuilt(BundleReader.read(withIndex), HNSW.withM(12), "index.hnsw not used (params)");
    }

    @Test
    void otherEfConstruction_isRebuilt() throws Exception {
        assertBuilt(BundleReader.read(withIndex), HNSW.withEfConstruction(100), "index.hnsw not used (params)");
    }

    @Test
    void searchEf_isTheServersChoice_notARebuildReason() throws Exception {
        try (ItemIndex index = SnapshotLoader.index(BundleReader.read(withIndex), HNSW.withEf(300), l -> { })) {
            assertTrue(ItemIndexes.isPrebuilt(index));
        }
    }

    @Test
    void graphOfAnotherBundle_sameShape_isRebuilt(@TempDir Path dir) throws Exception {
        Path copy = copy(withIndex, dir);
        Files.copy(otherWithIndex.resolve(Manifest.HNSW_INDEX), copy.resolve(Manifest.HNSW_INDEX), StandardCopyOption.REPLACE_EXISTING);
        fixFileEntry(copy, Manifest.HNSW_INDEX);
        assertBuilt(BundleReader.read(copy), HNSW, "index.hnsw not used (mismatch)");
    }

    @Test
    void corruptGraph_withAValidChecksum_isRebuilt_andTheBundleStillServes(@TempDir Path dir) throws Exception {
        Path copy = copy(withIndex, dir);
        Path file = copy.resolve(Manifest.HNSW_INDEX);
        byte[] bytes = Files.readAllBytes(file);
        Random rnd = new Random(5);
        for (int i = bytes.length / 3; i < bytes.length; i += 7) bytes[i] = (byte) rnd.nextInt();
        Files.write(file, bytes);
        fixFileEntry(copy, Manifest.HNSW_INDEX);
        assertBuilt(BundleReader.read(copy), HNSW, "index.hnsw not used (corrupt)");
        Snapshot s = SnapshotLoader.load(copy, new SnapshotLoader.Options(HNSW, 1, 2, null), l -> { });
        try {
            assertFalse(ItemIndexes.isPrebuilt(s.index()));
        } finally {
            s.retire();
        }
    }

    @Test
    void notAGraphAtAll_isRebuilt(@TempDir Path dir) throws Exception {
        Path copy = copy(withIndex, dir);
        Files.write(copy.resolve(Manifest.HNSW_INDEX), new byte[] {1, 2, 3, 4});
        fixFileEntry(copy, Manifest.HNSW_INDEX);
        assertBuilt(BundleReader.read(copy), HNSW, "index.hnsw not used (format)");
    }

    /**
     * A bundle published before format 2: its index.hnsw starts with the magic and version 1 (then
     * hnswlib's serialization, never read; a real version-1 file is HnswIndexFileFieldsTest's).
     * The graph is rebuilt at load and the log says why, the bundle directory is left as it was.
     */
    @Test
    void oldFormatGraph_isRebuiltInTheNewFormat_andTheBundleIsUntouched(@TempDir Path dir) throws Exception {
        Path copy = copy(withIndex, dir);
        java.io.ByteArrayOutputStream old = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(old)) {
            out.writeBytes("MRCYHNSW");
            out.writeInt(1);
            for (int v : new int[] {N, 8, HNSW.m(), HNSW.efConstruction(), HNSW.ef()}) out.writeInt(v);
            out.writeUTF("inner_product");
            out.writeUTF("ai.mercury.index.HnswItem");
            out.write(new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 's', 'r'}); // where Java serialization began
        }
        Files.write(copy.resolve(Manifest.HNSW_INDEX), old.toByteArray());
        fixFileEntry(copy, Manifest.HNSW_INDEX);
        byte[] before = Files.readAllBytes(copy.resolve(Manifest.HNSW_INDEX));
        assertBuilt(BundleReader.read(copy), HNSW, "(index.hnsw in the old format 1, rebuilt in the new format)");
        assertArrayEquals(before, Files.readAllBytes(copy.resolve(Manifest.HNSW_INDEX)), "the published bundle is never written");
    }

    @Test
    void unlistedGraph_isNotRead(@TempDir Path dir) throws Exception {
        Path copy = copy(plain, dir);
        Files.copy(withIndex.resolve(Manifest.HNSW_INDEX), copy.resolve(Manifest.HNSW_INDEX));
        assertBuilt(BundleReader.read(copy), HNSW, "it is not listed under files");
    }

    @Test
    void exactIndexConfigured_graphIsNotRead() throws Exception {
        List<String> log = new ArrayList<>();
        IndexParams auto = HNSW.withKind(IndexKind.AUTO); // 2,000 items < exact_below: exact
        try (ItemIndex index = SnapshotLoader.index(BundleReader.read(withIndex), auto, log::add)) {
            assertEquals("exact", index.kind());
            assertTrue(log.get(0).contains("resolves to exact"), log.toString());
        }
    }

    @Test
    void listedGraph_changedAfterPublication_rejectsTheBundle(@TempDir Path dir) throws Exception {
        Path copy = copy(withIndex, dir);
        Files.copy(otherWithIndex.resolve(Manifest.HNSW_INDEX), copy.resolve(Manifest.HNSW_INDEX), StandardCopyOption.REPLACE_EXISTING);
        BundleException e = assertThrows(BundleException.class, () -> BundleReader.read(copy));
        assertTrue(e.reason().endsWith("_mismatch"), e.reason());
    }

    private static void assertBuilt(Bundle b, IndexParams params, String expectedLog) {
        List<String> log = new ArrayList<>();
        try (ItemIndex index = SnapshotLoader.index(b, params, log::add)) {
            assertFalse(ItemIndexes.isPrebuilt(index), log.toString());
            assertEquals("hnsw", index.kind());
            String line = log.get(log.size() - 1);
            assertTrue(line.startsWith("index: hnsw over " + N + " items built from item_vectors.npy"), line);
            assertTrue(line.contains(expectedLog), line);
            double recall = recallAt10(index, b.itemVectors());
            assertTrue(recall >= 0.98, "recall@10 of the rebuilt graph = " + recall);
        }
    }

    /** Recall@10 against exact search, with 100 item rows plus a little noise as queries. */
    static double recallAt10(ItemIndex index, Vectors v) {
        ItemIndex exact = ItemIndexes.exact(v);
        Random rnd = new Random(11);
        long hits = 0;
        for (int q = 0; q < 100; q++) {
            float[] query = v.row(rnd.nextInt(v.count()));
            for (int j = 0; j < query.length; j++) query[j] += (float) (0.05 * rnd.nextGaussian());
            SearchResult truth = exact.search(query, 10);
            SearchResult got = index.search(query, 10);
            for (int i = 0; i < got.size(); i++) {
                for (int t = 0; t < truth.size(); t++) if (got.ordinal(i) == truth.ordinal(t)) hits++;
            }
        }
        return hits / 1000.0;
    }

    static BundleWriter.Content content(String version, long seed) {
        Random rnd = new Random(seed);
        String[] words = {"red", "white", "heart", "lantern", "bag", "jumbo", "cake", "tin", "mug", "card", "candle", "clock"};
        List<CatalogItem> items = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String title = words[rnd.nextInt(words.length)] + " " + words[rnd.nextInt(words.length)] + " " + i;
            items.add(new CatalogItem("I" + i, title, 1 + rnd.nextInt(2000) / 100.0, i % 3 == 0 ? "home" : "kitchen"));
        }
        Map<String, List<String>> vocab = new LinkedHashMap<>();
        vocab.put("country", List.of("United Kingdom", "France"));
        vocab.put("device", List.of("desktop", "mobile"));
        return BootstrapBundle.build(new BootstrapBundle.Params(version, 16, new int[] {16}, new int[] {16}, 5, seed),
                items, vocab, new HashingTextEncoder(32), null);
    }

    static Path copy(Path bundle, Path into) throws IOException {
        Path target = into.resolve(bundle.getFileName());
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(bundle)) {
            for (Path f : files.toList()) Files.copy(f, target.resolve(f.getFileName()));
        }
        return target;
    }

    static void fixFileEntry(Path bundle, String name) throws IOException {
        Path file = bundle.resolve(name);
        ObjectNode m = (ObjectNode) Json.MAPPER.readTree(bundle.resolve(Manifest.FILE_NAME).toFile());
        ((ObjectNode) m.get("files")).putObject(name).put("size", Files.size(file)).put("sha256", Sha256.of(file));
        Files.write(bundle.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(m));
    }
}
