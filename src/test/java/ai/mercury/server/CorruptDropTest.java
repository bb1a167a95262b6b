package ai.mercury.server;

import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.Npy;
import ai.mercury.index.Vectors;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One broken bundle per test, dropped atomically into a serving server: each is rejected with its
 * reason, shows up in /admin/bundles and the rejection metric, and the fixture version keeps
 * serving throughout (clients fire requests during the whole class; none may fail).
 */
class CorruptDropTest {
    static final String TOKEN = "corrupt-test-token";
    static final AtomicInteger NEXT = new AtomicInteger(1);

    @TempDir
    static Path artifacts;
    static ServerHarness harness;
    static RecommendTraffic traffic;

    @BeforeAll
    static void start() {
        FixtureBundle.copyTo(artifacts);
        // A bundle that stays incomplete (a listed file missing, a manifest that does not parse) is validated after 1 s.
        harness = new ServerHarness(artifacts, Map.of("admin.token", TOKEN, "swap.settle_ms", 100, "swap.scan_interval_ms", 200,
                "swap.incomplete_timeout_ms", 1_000));
        assertTrue(harness.awaitInitialLoad());
        traffic = new RecommendTraffic(harness, 2).start();
        traffic.awaitResponses(20);
    }

    @AfterAll
    static void stop() {
        traffic.close();
        List<String> blocked = List.copyOf(harness.blockedEventLoops);
        try {
            assertEquals(List.of(), traffic.failures, "requests failed while broken bundles were dropped");
            assertEquals(Set.of(FixtureBundle.VERSION), traffic.versions, "only the fixture served");
            assertEquals(1.0, harness.metric("mercury_snapshots_open"));
        } finally {
            harness.close();
        }
        assertEquals(List.of(), blocked, "the event loop was blocked");
    }

    @Test
    void drop_missingFile_rejectedWithFileMissing() {
        JsonObject r = dropBroken(dir -> delete(dir.resolve(Manifest.ITEMS)));
        assertEquals("file_missing", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains("missing file " + Manifest.ITEMS), r.encode());
    }

    @Test
    void drop_wrongChecksum_rejectedWithChecksumMismatch() {
        JsonObject r = dropBroken(dir -> {
            Path file = dir.resolve(Manifest.USER_TOWER);
            byte[] bytes = read(file);
            bytes[bytes.length / 2] ^= 0x01;
            write(file, bytes);
        });
        assertEquals("checksum_mismatch", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains(Manifest.USER_TOWER), r.encode());
    }

    @Test
    void drop_truncatedNpy_rejectedWithVectorsInvalid() {
        JsonObject r = dropBroken(dir -> {
            Path file = dir.resolve(Manifest.ITEM_VECTORS);
            byte[] bytes = read(file);
            write(file, Arrays.copyOf(bytes, bytes.length - 20));
            Drops.fixFileEntry(dir, Manifest.ITEM_VECTORS);
        });
        assertEquals("vectors_invalid", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains("truncated"), r.encode());
    }

    @Test
    void drop_vectorsOfAnotherDim_rejectedWithDimensionMismatch() {
        JsonObject r = dropBroken(dir -> {
            try {
                Npy.write(dir.resolve(Manifest.ITEM_VECTORS), new Vectors(FixtureBundle.ITEMS.size(), 4, new float[FixtureBundle.ITEMS.size() * 4]));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Drops.fixFileEntry(dir, Manifest.ITEM_VECTORS);
        });
        assertEquals("dimension_mismatch", r.getString("reason"), r.encode());
    }

    @Test
    void drop_onnxOfGarbageBytes_rejectedWithTowerInvalid() {
        JsonObject r = dropBroken(dir -> {
            byte[] garbage = new byte[4096];
            new SplittableRandom(5).nextBytes(garbage);
            write(dir.resolve(Manifest.ITEM_TOWER), garbage);
            Drops.fixFileEntry(dir, Manifest.ITEM_TOWER);
        });
        assertEquals("tower_invalid", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains(Manifest.ITEM_TOWER), r.encode());
    }

    @Test
    void drop_manifestNotJson_rejectedWithManifestInvalid() {
        JsonObject r = dropBroken(dir -> write(dir.resolve(Manifest.FILE_NAME), "{ \"format\": \"mercury-bundle/1\", ".getBytes()));
        assertEquals("manifest_invalid", r.getString("reason"), r.encode());
    }

    @Test
    void drop_vocabularyWiderThanTowerInput_rejectedWithFeatureSpecMismatch() {
        JsonObject r = dropBroken(dir -> Drops.editManifest(dir, m -> {
            ArrayNode context = (ArrayNode) m.get("feature_spec").get("context");
            ((ArrayNode) context.get(0).get("vocabulary")).add("Spain");
            ((ObjectNode) m.get("towers").get("user")).remove("inputs"); // so that the tower itself disagrees, not the manifest's list
        }));
        assertEquals("feature_spec_mismatch", r.getString("reason"), r.encode());
        assertTrue(r.getString("message").contains(Manifest.USER_TOWER) && r.getString("message").contains("ctx_country"), r.encode());
    }

    @Test
    void drop_directoryNameNotTheManifestVersion_rejectedWithVersionMismatch() {
        JsonObject r = dropBroken(dir -> Drops.editManifest(dir, m -> m.put("version", "20250101T000000Z")));
        assertEquals("version_mismatch", r.getString("reason"), r.encode());
    }

    // ---

    static String nextVersion() {
        return String.format("20260201T%06dZ", NEXT.getAndIncrement());
    }

    /** Stages a copy of the fixture under a new version, breaks it, drops it and returns its rejection. */
    static JsonObject dropBroken(Consumer<Path> breakIt) {
        String version = nextVersion();
        Path staged = Drops.stage(artifacts, version);
        breakIt.accept(staged);
        Drops.drop(staged);
        JsonObject r = awaitRejection(version, 1);
        assertEquals(FixtureBundle.VERSION, harness.servedVersion(), "the old version keeps serving");
        JsonObject entry = harness.bundle(version);
        assertEquals("rejected", entry.getString("state"), entry.encode());
        assertEquals(r.getString("reason"), entry.getString("detail"));
        assertTrue(harness.metric("mercury_bundle_rejections_total{reason=\"" + r.getString("reason") + "\"}") >= 1, "rejection metric");
        assertTrue(r.getString("at") != null && r.getString("message").contains(version), r.encode());
        return r;
    }

    static JsonObject awaitRejection(String version, int count) {
        Drops.await(() -> rejectionsOf(version).size() >= count, Duration.ofSeconds(10), () -> harness.bundles().encode());
        return rejectionsOf(version).get(0);
    }

    static List<JsonObject> rejectionsOf(String version) {
        return harness.bundles().getJsonArray("rejections").stream().map(o -> (JsonObject) o)
                .filter(o -> o.getString("version").equals(version)).toList();
    }

    static void flipByte(Path file) {
        byte[] bytes = read(file);
        bytes[bytes.length / 2] ^= 0x01;
        write(file, bytes);
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
