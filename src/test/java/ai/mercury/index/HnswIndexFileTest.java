package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * index.hnsw: a graph written with its parameters reads back as the same index; any file that does
 * not match the vectors and configuration at hand (count, dimension, M, efConstruction, any row),
 * is not one, or is damaged anywhere fails with an {@link IndexFileException} rather than loading.
 * Field-by-field corruption behind valid checksums: {@link HnswIndexFileFieldsTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HnswIndexFileTest {
    private static final int DIM = 32;
    private static final int N = 3_000;
    private static final long SEED = 7;
    private static final IndexParams PARAMS = IndexParams.DEFAULTS.withKind(IndexKind.HNSW).withM(12).withEfConstruction(100);

    @TempDir
    static Path dir;

    private ClusteredVectors gen;
    private Vectors items;
    private ItemIndex built;
    private Path file;
    private byte[] bytes;

    @BeforeAll
    void writeOnce() throws IOException {
        gen = new ClusteredVectors(DIM, SEED);
        items = gen.items(N, SEED + 1);
        built = ItemIndexes.hnsw(items, PARAMS);
        file = dir.resolve("index.hnsw");
        ItemIndexes.save(built, file);
        bytes = Files.readAllBytes(file);
    }

    @AfterAll
    void close() {
        built.close();
    }

    @Test
    void load_validFile_answersExactlyLikeTheGraphItWasSavedFrom() throws Exception {
        try (ItemIndex loaded = ItemIndexes.loadHnsw(file, items, PARAMS)) {
            assertTrue(ItemIndexes.isPrebuilt(loaded));
            assertFalse(ItemIndexes.isPrebuilt(built));
            assertEquals("hnsw", loaded.kind());
            assertEquals(N, loaded.size());
            for (float[] q : gen.queries(50, SEED + 2)) {
                SearchResult a = built.search(q, 20);
                SearchResult b = loaded.search(q, 20);
                assertArrayEquals(a.ordinals(), b.ordinals());
                assertArrayEquals(a.scores(), b.scores());
            }
            double recall = ClusteredVectors.recall(loaded, ItemIndexes.exact(items), gen.queries(200, SEED + 3), 100);
            assertTrue(recall >= 0.98, "recall@100 of the loaded graph = " + recall);
        }
    }

    @Test
    void load_searchesWithTheConfiguredEf_notTheSavedOne() throws Exception {
        IndexParams lowEf = PARAMS.withEf(17);
        try (ItemIndex loaded = ItemIndexes.loadHnsw(file, items, lowEf)) {
            assertEquals(17, ((HnswItemIndex) loaded).params().ef(), "searches use the configured ef");
        }
        assertEquals(PARAMS.ef(), HnswIndexFile.readHeader(file).ef(), "the header records the build-time ef");
    }

    @Test
    void write_isAtomic_leavesNoTemporaryFile_andReplacesAnOldFile() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("atomic"));
        Path target = sub.resolve("index.hnsw");
        Files.write(target, new byte[] {9, 9, 9});
        ItemIndexes.save(built, target);
        assertArrayEquals(bytes, Files.readAllBytes(target), "same graph, same bytes");
        try (Stream<Path> files = Files.list(sub)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void header_recordsShapeAndParams() throws Exception {
        HnswIndexFile.Header h = HnswIndexFile.readHeader(file);
        HnswLayers.State s = ((HnswItemIndex) built).layers().state();
        assertEquals(N, h.count());
        assertEquals(DIM, h.dim());
        assertEquals(12, h.m());
        assertEquals(24, h.maxM0());
        assertEquals(100, h.efConstruction());
        assertEquals(PARAMS.ef(), h.ef());
        assertEquals(HnswIndexFile.DISTANCE_INNER_PRODUCT, h.distance());
        assertEquals(s.entryPoint(), h.entryPoint());
        assertEquals(s.topLevel(), h.topLevel());
        assertEquals(bytes.length, h.fileBytes(), "the header implies the file's length");
    }

    @Test
    void load_otherItemCount_rejected() {
        Vectors fewer = new Vectors(N - 1, DIM, Arrays.copyOf(items.data(), (N - 1) * DIM));
        assertReason("mismatch", fewer, PARAMS, file);
    }

    @Test
    void load_otherDimension_rejected() {
        Vectors wider = new Vectors(N / 2, DIM * 2, items.data());
        assertReason("mismatch", wider, PARAMS, file);
    }

    @Test
    void load_otherM_rejected() {
        assertReason("params", items, PARAMS.withM(16), file);
    }

    @Test
    void load_otherEfConstruction_rejected() {
        assertReason("params", items, PARAMS.withEfConstruction(200), file);
    }

    @Test
    void load_oneRowDiffersInOneBit_rejected() {
        float[] data = items.data().clone();
        int row = N - 5;
        data[row * DIM + 3] = Math.nextUp(data[row * DIM + 3]);
        IndexFileException e = assertReason("mismatch", new Vectors(N, DIM, data), PARAMS, file);
        assertTrue(e.getMessage().contains("item " + row), e.getMessage());
    }

    @Test
    void load_sameShapeOtherVectors_rejected() {
        assertReason("mismatch", gen.items(N, SEED + 99), PARAMS, file);
    }

    @Test
    void load_notAnIndexFile_rejected() throws IOException {
        Path other = dir.resolve("npy-as-index.hnsw");
        Files.write(other, "\u0093NUMPY this is not a graph".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertReason("format", items, PARAMS, other);
        Path empty = Files.write(dir.resolve("empty.hnsw"), new byte[0]);
        assertReason("format", items, PARAMS, empty);
    }

    @Test
    void load_truncated_rejected() throws IOException {
        for (int length : new int[] {bytes.length / 2, bytes.length - 1, HnswIndexFile.HEADER_BYTES, 20}) {
            Path cut = Files.write(dir.resolve("truncated.hnsw"), Arrays.copyOf(bytes, length));
            assertReason("corrupt", items, PARAMS, cut);
        }
    }

    @Test
    void load_garbageAfterAValidHeader_rejected() throws IOException {
        byte[] garbage = bytes.clone();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = HnswIndexFile.HEADER_BYTES; i < garbage.length; i++) garbage[i] = (byte) rnd.nextInt();
        IndexFileException e = assertReason("corrupt", items, PARAMS, Files.write(dir.resolve("garbage.hnsw"), garbage));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void load_paddedFile_rejected() throws IOException {
        Path padded = Files.write(dir.resolve("padded.hnsw"), Arrays.copyOf(bytes, bytes.length + 4));
        IndexFileException e = assertReason("corrupt", items, PARAMS, padded);
        assertTrue(e.getMessage().contains("truncated or padded"), e.getMessage());
    }

    @Test
    void load_flippedBytes_anywhere_rejectedByAChecksum() throws IOException {
        for (int k = 0; k <= 8; k++) {
            byte[] flipped = bytes.clone();
            int at = MAGIC_AND_VERSION + (int) ((long) (flipped.length - 1 - MAGIC_AND_VERSION) * k / 8);
            flipped[at] ^= 0x5A;
            IndexFileException e = assertReason("corrupt", items, PARAMS, Files.write(dir.resolve("flipped-" + k + ".hnsw"), flipped));
            assertTrue(e.getMessage().contains("checksum"), "byte " + at + ": " + e.getMessage());
        }
    }

    private static IndexFileException assertReason(String reason, Vectors vectors, IndexParams params, Path f) {
        IndexFileException e = assertThrows(IndexFileException.class, () -> ItemIndexes.loadHnsw(f, vectors, params));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    /** Magic and version: the bytes a flip may hit without a checksum noticing (they say which format it is). */
    private static final int MAGIC_AND_VERSION = 12;
}
