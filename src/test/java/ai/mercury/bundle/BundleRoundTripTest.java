package ai.mercury.bundle;

import ai.mercury.core.Json;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.TextEncoderInfo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.testing.FixtureBundle;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleRoundTripTest {
    private static final String VERSION = "20260301T120000Z";

    @TempDir
    Path artifacts;

    @Test
    void publishThenRead_itemsRoundTripField_byField() throws Exception {
        BundleWriter.Content content = FixtureBundle.content(VERSION);
        Path dir = BundleWriter.publish(artifacts, content);

        Bundle bundle = BundleReader.read(dir);

        assertEquals(content.items().size(), bundle.items().size());
        for (int i = 0; i < content.items().size(); i++) {
            CatalogItem expected = content.items().get(i);
            CatalogItem actual = bundle.items().get(i);
            assertEquals(expected.itemId(), actual.itemId(), "item " + i);
            assertEquals(expected.title(), actual.title(), "item " + i);
            assertEquals(Double.doubleToLongBits(expected.price()), Double.doubleToLongBits(actual.price()), "price of item " + i);
            assertEquals(expected.category(), actual.category(), "item " + i);
            assertEquals(expected.inStock(), actual.inStock(), "item " + i);
        }
        assertEquals(content.items(), bundle.items());
    }

    @Test
    void publishThenRead_vectorsAreBitForBitEqual() throws Exception {
        BundleWriter.Content content = FixtureBundle.content(VERSION);
        Bundle bundle = BundleReader.read(BundleWriter.publish(artifacts, content));

        assertEquals(content.itemVectors().count(), bundle.itemVectors().count());
        assertEquals(content.itemVectors().dim(), bundle.itemVectors().dim());
        float[] expected = content.itemVectors().data();
        float[] actual = bundle.itemVectors().data();
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "float " + i);
        }
    }

    @Test
    void publishThenRead_manifestFieldsDescribeTheContent() throws Exception {
        BundleWriter.Content content = FixtureBundle.content(VERSION);
        Instant before = Instant.now();
        Path dir = BundleWriter.publish(artifacts, content);

        Manifest m = BundleReader.read(dir).manifest();

        assertEquals(Manifest.FORMAT, m.format());
        assertEquals(VERSION, m.version());
        Instant created = Instant.parse(m.createdAt());
        assertFalse(created.isBefore(before.minusSeconds(1)), m.createdAt());
        assertEquals(FixtureBundle.DIM, m.embeddingDim());
        assertEquals("dot", m.metric());
        assertEquals(new TextEncoderInfo(HashingTextEncoder.NAME, 16), m.textEncoder());
        assertEquals(content.featureSpec(), m.featureSpec());
        assertEquals(new Manifest.TowerFile(Manifest.USER_TOWER, content.userTower().inputs(), Manifest.USER_OUTPUT), m.towers().user());
        assertEquals(new Manifest.TowerFile(Manifest.ITEM_TOWER, content.itemTower().inputs(), Manifest.ITEM_OUTPUT), m.towers().item());
        assertEquals(Manifest.REQUIRED_FILES, new ArrayList<>(m.files().keySet()));
        for (Map.Entry<String, Manifest.FileEntry> e : m.files().entrySet()) {
            Path file = dir.resolve(e.getKey());
            assertEquals(Files.size(file), e.getValue().size(), e.getKey());
            assertEquals(Sha256.of(file), e.getValue().sha256(), e.getKey());
        }
        assertEquals("untrained-bootstrap", m.training().get("kind").asText());
        assertEquals(7, m.training().get("seed").asLong());
        assertNull(m.evaluation());
    }

    @Test
    void publish_leavesOnlyTheVersionDirectory_noTmpDir() throws Exception {
        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content(VERSION));

        assertEquals(artifacts.resolve(VERSION), dir);
        assertEquals(List.of(VERSION), listNames(artifacts));
        assertEquals(List.of(Manifest.ITEM_TOWER, Manifest.ITEM_VECTORS, Manifest.ITEMS, Manifest.FILE_NAME, Manifest.USER_TOWER),
                listNames(dir));
    }

    @Test
    void publish_staleTmpDirOfSameVersion_isReplacedAndRemoved() throws Exception {
        Path stale = Files.createDirectories(artifacts.resolve(".tmp-" + VERSION));
        Files.writeString(stale.resolve("half-written.onnx"), "left by a crashed writer");

        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content(VERSION));

        assertEquals(List.of(VERSION), listNames(artifacts));
        assertFalse(Files.exists(dir.resolve("half-written.onnx")));
        BundleReader.read(dir);
    }

    @Test
    void publish_sameVersionTwice_failsWithFileAlreadyExistsAndKeepsFirst() throws Exception {
        Path dir = BundleWriter.publish(artifacts, FixtureBundle.content(VERSION));
        Map<String, String> before = shas(dir);

        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> BundleWriter.publish(artifacts, FixtureBundle.content(VERSION)));

        assertTrue(e.getMessage().contains(VERSION), e.getMessage());
        assertEquals(before, shas(dir));
        assertEquals(List.of(VERSION), listNames(artifacts));
        assertEquals(VERSION, BundleReader.read(dir).version());
    }

    @Test
    void publish_invalidVersion_rejectedBeforeWriting() {
        assertThrows(IllegalArgumentException.class, () -> BundleWriter.publish(artifacts, FixtureBundle.content(".hidden")));
        assertThrows(IllegalArgumentException.class, () -> BundleWriter.publish(artifacts, FixtureBundle.content("a/b")));
    }

    @Test
    void load_publishedBundle_userTowerEqualsTowerSpecForwardThroughTheEncoder() throws Exception {
        BundleWriter.Content content = FixtureBundle.content(VERSION);
        Path dir = BundleWriter.publish(artifacts, content);
        List<String> log = new ArrayList<>();

        Snapshot s = SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), log::add);
        try {
            assertEquals(VERSION, s.version());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("smoke queries")), log.toString());
            // The trainer's view: the content's own spec and vectors, encoded by a fresh encoder.
            FeatureEncoder trainerEncoder = new FeatureEncoder(content.featureSpec(), content.itemVectors(), null);
            List<UserContext> users = List.of(
                    new UserContext(Map.of("country", "France", "device", "mobile"), Instant.parse("2026-03-01T06:00:00Z"),
                            List.of("B001", "not-an-item", "A002"), null),
                    new UserContext(Map.of("country", "Narnia"), Instant.parse("2026-07-14T23:59:59Z"), List.of(), null),
                    new UserContext(Map.of("device", "DESKTOP "), Instant.parse("2026-12-31T12:30:00Z"),
                            List.of("C004", "C003", "C002", "C001", "B004", "B003", "B002"), null));
            List<Map<String, float[]>> servedRows = new ArrayList<>();
            List<Map<String, float[]>> trainerRows = new ArrayList<>();
            for (UserContext u : users) {
                EncodedUser served = s.encoder().encode(u, s.catalog()::ordinalOf);
                EncodedUser trainer = trainerEncoder.encode(u, id -> indexOf(content.items(), id));
                assertEquals(trainer.unknownHistory(), served.unknownHistory());
                servedRows.add(served.inputs());
                trainerRows.add(trainer.inputs());
            }

            float[][] onnx = s.userTower().embed(FeatureEncoder.batch(servedRows));
            float[][] reference = content.userTower().forward(FeatureEncoder.batch(trainerRows));

            assertEquals(users.size(), onnx.length);
            for (int i = 0; i < users.size(); i++) {
                assertEquals(FixtureBundle.DIM, onnx[i].length);
                assertArrayEquals(reference[i], onnx[i], 1e-5f, "user " + i);
            }
        } finally {
            s.retire();
        }
    }

    @Test
    void load_publishedBundle_itemTowerReproducesStoredVectors() throws Exception {
        BundleWriter.Content content = FixtureBundle.content(VERSION);
        Snapshot s = SnapshotLoader.load(BundleWriter.publish(artifacts, content), SnapshotLoader.Options.defaults(), line -> { });
        try {
            FeatureSpec spec = s.manifest().featureSpec();
            float[][] onnx = s.itemTower().embed(FeatureEncoder.itemInputs(spec, new HashingTextEncoder(16), s.catalog().items()));
            for (int i = 0; i < onnx.length; i++) {
                assertArrayEquals(s.bundle().itemVectors().row(i), onnx[i], 1e-5f, "item " + i);
            }
        } finally {
            s.retire();
        }
    }

    @Test
    void load_queryEnabledBundle_needsATextEncoderThenMatchesForwardWithQuery() throws Exception {
        BundleWriter.Content base = FixtureBundle.content(VERSION);
        FeatureSpec fs = base.featureSpec();
        FeatureSpec withQuery = new FeatureSpec(fs.context(), fs.time(), fs.history(), new FeatureSpec.QuerySpec(true), fs.item());
        TowerSpec userTower = TowerSpec.randomInit(withQuery.userInputs(FixtureBundle.DIM, 16), new int[] {16}, FixtureBundle.DIM,
                true, Manifest.USER_OUTPUT, 99L);
        BundleWriter.Content content = new BundleWriter.Content(VERSION, withQuery, base.textEncoder(), userTower, base.itemTower(),
                base.items(), base.itemVectors(), base.training(), null);
        Path dir = BundleWriter.publish(artifacts, content);
        assertEquals(List.of("query", "has_query"), BundleReader.read(dir).manifest().towers().user().inputs()
                .subList(5, 7).stream().map(ai.mercury.core.TowerInput::name).toList());

        // Without a text encoder the snapshot cannot encode queries: the load fails rather than serving without them.
        BundleException e = assertThrows(BundleException.class,
                () -> SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), line -> { }));
        assertEquals("load_failed", e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("text encoder"), e.getMessage());

        HashingTextEncoder text = new HashingTextEncoder(16);
        Snapshot s = SnapshotLoader.load(dir, new SnapshotLoader.Options(ai.mercury.index.IndexParams.DEFAULTS, 1, 2, text), line -> { });
        try {
            UserContext u = new UserContext(Map.of("country", "Germany"), Instant.parse("2026-03-01T09:15:00Z"),
                    List.of("C001"), "red lunch bag");
            EncodedUser encoded = s.encoder().encode(u, s.catalog()::ordinalOf);
            assertArrayEquals(text.embed("red lunch bag"), encoded.inputs().get("query"));
            Map<String, float[][]> batch = FeatureEncoder.batch(List.of(encoded.inputs()));
            assertArrayEquals(userTower.forward(batch)[0], s.userTower().embed(batch)[0], 1e-5f);
        } finally {
            s.retire();
        }
    }

    private static int indexOf(List<CatalogItem> items, String id) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).itemId().equals(id)) return i;
        }
        return -1;
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Map<String, String> shas(Path dir) throws IOException {
        Map<String, String> shas = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) shas.put(p.getFileName().toString(), Sha256.of(p));
        }
        return shas;
    }
}
