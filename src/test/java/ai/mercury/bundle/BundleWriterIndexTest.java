package ai.mercury.bundle;

import ai.mercury.core.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BundleWriter with a prebuilt index.hnsw: written inside the temporary directory before the
 * rename, listed under files with size and sha256; and a published bundle gets one only as a copy
 * under a new version, never in place.
 */
class BundleWriterIndexTest {
    static final IndexParams HNSW = IndexParams.DEFAULTS.withKind(IndexKind.HNSW).withM(8).withEfConstruction(50);

    @Test
    void publish_withIndex_listsItWithSizeAndSha256_andLoadsIt(@TempDir Path artifacts) throws Exception {
        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content("20260101T000000Z"), HNSW);
        Bundle b = BundleReader.read(dir);
        Manifest.FileEntry e = b.manifest().files().get(Manifest.HNSW_INDEX);
        Path file = dir.resolve(Manifest.HNSW_INDEX);
        assertEquals(Files.size(file), e.size());
        assertEquals(Sha256.of(file), e.sha256());
        assertEquals(List.of("20260101T000000Z"), names(artifacts), "no temporary directory or file left behind");
        assertEquals(List.of("index.hnsw", "item_tower.onnx", "item_vectors.npy", "items.jsonl", "manifest.json", "user_tower.onnx"),
                names(dir));
        try (ItemIndex index = ItemIndexes.loadHnsw(file, b.itemVectors(), HNSW)) {
            assertTrue(ItemIndexes.isPrebuilt(index));
        }
    }

    @Test
    void publish_withoutIndex_hasNone(@TempDir Path artifacts) throws Exception {
        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content("20260101T000000Z"));
        assertFalse(Files.exists(dir.resolve(Manifest.HNSW_INDEX)));
        assertFalse(BundleReader.read(dir).manifest().files().containsKey(Manifest.HNSW_INDEX));
    }

    @Test
    void publishWithIndex_copiesToANewVersion_andLeavesTheSourceUntouched(@TempDir Path artifacts) throws Exception {
        Path source = BundleWriter.publish(artifacts, FixtureBundle.content("20260101T000000Z"));
        Map<String, String> before = hashes(source);
        Path copy = BundleWriter.publishWithIndex(source, artifacts, "20260101T000001Z", HNSW);
        assertEquals(before, hashes(source), "the published source changed");
        assertEquals(List.of("20260101T000000Z", "20260101T000001Z"), names(artifacts));

        Bundle b = BundleReader.read(copy); // every checksum, including the new file's
        assertEquals("20260101T000001Z", b.version());
        assertTrue(b.manifest().files().containsKey(Manifest.HNSW_INDEX));
        JsonNode m = Json.MAPPER.readTree(copy.resolve(Manifest.FILE_NAME).toFile());
        assertEquals("20260101T000000Z", m.path("derived_from").path("version").asText());
        for (String name : List.of(Manifest.USER_TOWER, Manifest.ITEM_TOWER, Manifest.ITEMS, Manifest.ITEM_VECTORS)) {
            assertTrue(before.get(name).startsWith(Sha256.of(copy.resolve(name)) + "@"), name);
        }
        try (ItemIndex index = ItemIndexes.loadHnsw(copy.resolve(Manifest.HNSW_INDEX), b.itemVectors(), HNSW)) {
            assertTrue(ItemIndexes.isPrebuilt(index));
        }
        assertThrows(FileAlreadyExistsException.class, () -> BundleWriter.publishWithIndex(source, artifacts, "20260101T000001Z", HNSW));
    }

    /** `mercury bundle index` on a bundle whose index.hnsw is format 1: the copy has a format-2 graph that loads. */
    @Test
    void publishWithIndex_replacesAnOldFormatGraph_withOneThatLoads(@TempDir Path artifacts) throws Exception {
        Path source = BundleWriter.publish(artifacts, FixtureBundle.content("20260101T000000Z"), HNSW);
        java.io.ByteArrayOutputStream old = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(old)) {
            out.writeBytes("MRCYHNSW");
            out.writeInt(1); // format 1; what followed (hnswlib's serialization) is never read
            out.write(new byte[40]);
        }
        Path graph = source.resolve(Manifest.HNSW_INDEX);
        Files.write(graph, old.toByteArray());
        com.fasterxml.jackson.databind.node.ObjectNode m =
                (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(source.resolve(Manifest.FILE_NAME).toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) m.path("files").path(Manifest.HNSW_INDEX))
                .put("size", Files.size(graph)).put("sha256", Sha256.of(graph));
        Files.write(source.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(m));
        Bundle oldBundle = BundleReader.read(source);
        ai.mercury.index.IndexFileException e = assertThrows(ai.mercury.index.IndexFileException.class,
                () -> ItemIndexes.loadHnsw(graph, oldBundle.itemVectors(), HNSW));
        assertEquals("old_format", e.reason());

        Path copy = BundleWriter.publishWithIndex(source, artifacts, "20260101T000001Z", HNSW);
        Bundle b = BundleReader.read(copy);
        try (ItemIndex index = ItemIndexes.loadHnsw(copy.resolve(Manifest.HNSW_INDEX), b.itemVectors(), HNSW)) {
            assertTrue(ItemIndexes.isPrebuilt(index));
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String n : names(dir)) out.put(n, Sha256.of(dir.resolve(n)) + "@" + Files.getLastModifiedTime(dir.resolve(n)));
        return out;
    }
}
