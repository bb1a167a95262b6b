package ai.mercury.bundle;

import ai.mercury.core.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.index.Vectors;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One corruption per test on a copy of the committed fixture. Where the corruption itself would be
 * caught by the checksum first, the manifest's files entry is fixed up so that the check under test
 * is the one that fires.
 */
class BundleCorruptionTest {
    @TempDir
    Path artifacts;

    Path dir;

    @BeforeEach
    void copyFixture() {
        dir = FixtureBundle.copyTo(artifacts);
    }

    @Test
    void read_intactFixtureCopy_passes() throws Exception {
        assertEquals(FixtureBundle.VERSION, BundleReader.read(dir).version());
    }

    @Test
    void read_missingItemsJsonl_rejectedWithFileMissing() throws Exception {
        Files.delete(dir.resolve(Manifest.ITEMS));
        assertRejected("file_missing", Manifest.ITEMS);
    }

    @Test
    void read_missingManifest_rejectedWithFileMissing() throws Exception {
        Files.delete(dir.resolve(Manifest.FILE_NAME));
        assertRejected("file_missing", Manifest.FILE_NAME);
    }

    @Test
    void read_missingOptionalFileListedInManifest_rejectedWithFileMissing() throws Exception {
        Path index = dir.resolve(Manifest.HNSW_INDEX);
        Files.write(index, new byte[] {1, 2, 3});
        fixFileEntry(dir, Manifest.HNSW_INDEX);
        BundleReader.read(dir); // listed and present: accepted, though not read
        Files.delete(index);
        assertRejected("file_missing", Manifest.HNSW_INDEX);
    }

    @Test
    void read_flippedByteInItemTower_rejectedWithChecksumMismatch() throws Exception {
        Path file = dir.resolve(Manifest.ITEM_TOWER);
        long size = Files.size(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
        assertEquals(size, Files.size(file));
        BundleException e = assertRejected("checksum_mismatch", Manifest.ITEM_TOWER);
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void read_itemsJsonlWithAppendedLine_rejectedWithSizeMismatch() throws Exception {
        Files.writeString(dir.resolve(Manifest.ITEMS), "\n", java.nio.file.StandardOpenOption.APPEND);
        BundleException e = assertRejected("size_mismatch", Manifest.ITEMS);
        assertTrue(e.getMessage().contains("1253 bytes"), e.getMessage());
    }

    @Test
    void read_truncatedNpy_rejectedWithVectorsInvalid() throws Exception {
        Path file = dir.resolve(Manifest.ITEM_VECTORS);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        fixFileEntry(dir, Manifest.ITEM_VECTORS);
        BundleException e = assertRejected("vectors_invalid", Manifest.ITEM_VECTORS);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void read_npyWithOtherDim_rejectedWithDimensionMismatch() throws Exception {
        Npy.write(dir.resolve(Manifest.ITEM_VECTORS), new Vectors(12, 4, new float[12 * 4]));
        fixFileEntry(dir, Manifest.ITEM_VECTORS);
        BundleException e = assertRejected("dimension_mismatch", Manifest.ITEM_VECTORS);
        assertTrue(e.getMessage().contains("[12, 4]"), e.getMessage());
    }

    @Test
    void read_npyWithFewerRowsThanItems_rejectedWithDimensionMismatch() throws Exception {
        Npy.write(dir.resolve(Manifest.ITEM_VECTORS), new Vectors(11, FixtureBundle.DIM, new float[11 * FixtureBundle.DIM]));
        fixFileEntry(dir, Manifest.ITEM_VECTORS);
        BundleException e = assertRejected("dimension_mismatch", Manifest.ITEM_VECTORS);
        assertTrue(e.getMessage().contains("12 items"), e.getMessage());
    }

    @Test
    void read_nonFiniteVectorValue_rejectedWithVectorsInvalid() throws Exception {
        Path file = dir.resolve(Manifest.ITEM_VECTORS);
        Vectors v = Npy.read(file);
        float[] data = v.data().clone();
        data[3 * v.dim() + 2] = Float.NaN;
        Npy.write(file, new Vectors(v.count(), v.dim(), data));
        fixFileEntry(dir, Manifest.ITEM_VECTORS);
        BundleException e = assertRejected("vectors_invalid", Manifest.ITEM_VECTORS);
        assertTrue(e.getMessage().contains("row 3"), e.getMessage());
    }

    @Test
    void read_infiniteVectorValue_rejectedWithVectorsInvalid() throws Exception {
        Path file = dir.resolve(Manifest.ITEM_VECTORS);
        Vectors v = Npy.read(file);
        float[] data = v.data().clone();
        data[data.length - 1] = Float.NEGATIVE_INFINITY;
        Npy.write(file, new Vectors(v.count(), v.dim(), data));
        fixFileEntry(dir, Manifest.ITEM_VECTORS);
        BundleException e = assertRejected("vectors_invalid", Manifest.ITEM_VECTORS);
        assertTrue(e.getMessage().contains("row 11"), e.getMessage());
    }

    @Test
    void load_garbageOnnxWithMatchingManifest_rejectedWithTowerInvalid() throws Exception {
        byte[] garbage = new byte[2048];
        new SplittableRandom(3).nextBytes(garbage);
        Files.write(dir.resolve(Manifest.ITEM_TOWER), garbage);
        fixFileEntry(dir, Manifest.ITEM_TOWER);

        BundleReader.read(dir); // the reader does not run towers: every file matches its manifest entry
        BundleException e = assertThrows(BundleException.class,
                () -> SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), line -> { }));

        assertEquals("tower_invalid", e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(Manifest.ITEM_TOWER), e.getMessage());
    }

    @Test
    void read_manifestNotJson_rejectedWithManifestInvalid() throws Exception {
        Files.writeString(dir.resolve(Manifest.FILE_NAME), "{ \"format\": \"mercury-bundle/1\", ");
        assertRejected("manifest_invalid", Manifest.FILE_NAME);
    }

    @Test
    void read_manifestJsonNull_rejectedWithManifestInvalid() throws Exception {
        Files.writeString(dir.resolve(Manifest.FILE_NAME), "null");
        assertRejected("manifest_invalid", Manifest.FILE_NAME);
    }

    @Test
    void read_manifestWithInvalidFeatureSpec_rejectedWithManifestInvalid() throws Exception {
        editManifest(dir, m -> obj(obj(m, "feature_spec"), "history").put("cap", 0));
        BundleException e = assertRejected("manifest_invalid", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains("cap"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "metric cosine             | metric",
        "embedding_dim 0           | embedding_dim",
        "no text_encoder           | text_encoder",
        "unknown time feature      | minute_sin",
        "towers.user.file renamed  | towers.user.file",
        "towers.item.output renamed| towers.item.output",
        "no towers                 | towers",
        "files entry null          | files.items.jsonl",
        "bad version pattern       | version must match",
    })
    void read_manifestBreakingTheSchema_rejectedWithManifestInvalid(String breakage, String named) throws Exception {
        editManifest(dir, m -> {
            switch (breakage) {
                case "metric cosine" -> m.put("metric", "cosine");
                case "embedding_dim 0" -> m.put("embedding_dim", 0);
                case "no text_encoder" -> m.remove("text_encoder");
                case "unknown time feature" -> ((ArrayNode) obj(obj(m, "feature_spec"), "time").get("features")).add("minute_sin");
                case "towers.user.file renamed" -> obj(obj(m, "towers"), "user").put("file", "user.onnx");
                case "towers.item.output renamed" -> obj(obj(m, "towers"), "item").put("output", "embedding");
                case "no towers" -> m.remove("towers");
                case "files entry null" -> obj(m, "files").putNull(Manifest.ITEMS);
                case "bad version pattern" -> m.put("version", "../20260101T000000Z");
                default -> throw new IllegalArgumentException(breakage);
            }
        });
        BundleException e = assertRejected("manifest_invalid", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void read_manifestJsonArray_rejectedWithManifestInvalid() throws Exception {
        Files.writeString(dir.resolve(Manifest.FILE_NAME), "[]");
        assertRejected("manifest_invalid", Manifest.FILE_NAME);
    }

    @Test
    void read_manifestLackingRequiredFileEntry_rejectedWithManifestInvalid() throws Exception {
        editManifest(dir, m -> obj(m, "files").remove(Manifest.ITEMS));
        BundleException e = assertRejected("manifest_invalid", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains(Manifest.ITEMS), e.getMessage());
    }

    @Test
    void read_manifestFileEntryOutsideBundle_rejectedWithManifestInvalid() throws Exception {
        editManifest(dir, m -> obj(m, "files").putObject("../secrets").put("size", 1).put("sha256", "00"));
        BundleException e = assertRejected("manifest_invalid", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains("../secrets"), e.getMessage());
    }

    @Test
    void read_unsupportedFormat_rejectedWithFormatUnsupported() throws Exception {
        editManifest(dir, m -> m.put("format", "mercury-bundle/2"));
        BundleException e = assertRejected("format_unsupported", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains("mercury-bundle/2"), e.getMessage());
    }

    @Test
    void read_directoryNameDiffersFromVersion_rejectedWithVersionMismatch() throws Exception {
        Path renamed = Files.move(dir, artifacts.resolve("20260102T000000Z"));
        BundleException e = assertThrows(BundleException.class, () -> BundleReader.read(renamed));
        assertEquals("version_mismatch", e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("20260102T000000Z"), e.getMessage());
        assertTrue(e.getMessage().contains(FixtureBundle.VERSION), e.getMessage());
        assertTrue(e.getMessage().contains(Manifest.FILE_NAME), e.getMessage());
    }

    @Test
    void load_vocabularyWiderThanTowerInputWithoutInputsList_rejectedWithFeatureSpecMismatch() throws Exception {
        editManifest(dir, m -> {
            countryVocabulary(m).add("Spain");
            obj(obj(m, "towers"), "user").remove("inputs");
        });
        // manifest.json is not listed in files, so no sha needs fixing; every other file is untouched.

        BundleReader.read(dir); // without the inputs list the reader cannot see the mismatch
        BundleException e = assertThrows(BundleException.class,
                () -> SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), line -> { }));

        assertEquals("feature_spec_mismatch", e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(Manifest.USER_TOWER), e.getMessage());
        assertTrue(e.getMessage().contains("ctx_country"), e.getMessage());
    }

    @Test
    void read_vocabularyWiderThanDeclaredInputs_rejectedWithFeatureSpecMismatch() throws Exception {
        editManifest(dir, m ->
                countryVocabulary(m).add("Spain"));
        BundleException e = assertRejected("feature_spec_mismatch", Manifest.FILE_NAME);
        assertTrue(e.getMessage().contains("towers.user.inputs"), e.getMessage());
    }

    @Test
    void read_duplicateItemIds_rejectedWithItemsInvalid() throws Exception {
        Path file = dir.resolve(Manifest.ITEMS);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.set(1, lines.get(1).replace("\"A002\"", "\"A001\""));
        Files.write(file, lines, StandardCharsets.UTF_8);
        fixFileEntry(dir, Manifest.ITEMS);
        BundleException e = assertRejected("items_invalid", Manifest.ITEMS);
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("duplicate item_id A001"), e.getMessage());
    }

    @Test
    void read_itemWithoutPrice_rejectedWithItemsInvalid() throws Exception {
        Path file = dir.resolve(Manifest.ITEMS);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.set(4, "{\"item_id\":\"B001\",\"title\":\"Jumbo bag red retrospot\"}");
        Files.write(file, lines, StandardCharsets.UTF_8);
        fixFileEntry(dir, Manifest.ITEMS);
        BundleException e = assertRejected("items_invalid", Manifest.ITEMS);
        assertTrue(e.getMessage().contains("line 5"), e.getMessage());
        assertTrue(e.getMessage().contains("price"), e.getMessage());
    }

    private BundleException assertRejected(String reason, String fileName) {
        BundleException e = assertThrows(BundleException.class, () -> BundleReader.read(dir));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fileName), "message should name " + fileName + ": " + e.getMessage());
        // SnapshotLoader runs the same checks first and reports the same reason.
        BundleException viaLoader = assertThrows(BundleException.class,
                () -> SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), line -> { }));
        assertEquals(reason, viaLoader.reason(), viaLoader.getMessage());
        return e;
    }

    /** Rewrites {@code files.<name>} of manifest.json to the file's current size and sha256. */
    static void fixFileEntry(Path bundleDir, String name) throws IOException {
        Path file = bundleDir.resolve(name);
        long size = Files.size(file);
        String sha = Sha256.of(file);
        editManifest(bundleDir, m -> obj(m, "files").putObject(name).put("size", size).put("sha256", sha));
    }

    static ObjectNode obj(ObjectNode node, String key) {
        return (ObjectNode) node.get(key);
    }

    static ArrayNode countryVocabulary(ObjectNode manifest) {
        ArrayNode context = (ArrayNode) obj(manifest, "feature_spec").get("context");
        ObjectNode country = (ObjectNode) context.get(0);
        assertEquals("country", country.get("name").asText());
        return (ArrayNode) country.get("vocabulary");
    }

    static void editManifest(Path bundleDir, Consumer<ObjectNode> edit) throws IOException {
        Path file = bundleDir.resolve(Manifest.FILE_NAME);
        ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        edit.accept(manifest);
        Files.write(file, Json.MAPPER.writeValueAsBytes(manifest));
    }
}
