package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * is not one, or is corrupt fails with an {@link IndexFileException} rather than loading.
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
        assertEquals(new HnswIndexFile.Header(N, DIM, 12, 100, PARAMS.ef(), "inner_product", "ai.mercury.index.HnswItem"), h);
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
        Path cut = Files.write(dir.resolve("truncated.hnsw"), Arrays.copyOf(bytes, bytes.length / 2));
        assertReason("corrupt", items, PARAMS, cut);
    }

    @Test
    void load_garbageAfterAValidHeader_rejected() throws IOException {
        byte[] garbage = bytes.clone();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = headerLength(); i < garbage.length; i++) garbage[i] = (byte) rnd.nextInt();
        assertReason("corrupt", items, PARAMS, Files.write(dir.resolve("garbage.hnsw"), garbage));
    }

    @Test
    void load_streamOfAnotherClass_isNeverInstantiated() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, headerLength());
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(new ArrayList<>(List.of("not", "a", "graph")));
        }
        IndexFileException e = assertReason("corrupt", items, PARAMS, Files.write(dir.resolve("list.hnsw"), out.toByteArray()));
        assertTrue(e.getMessage().contains("java.util.ArrayList"), e.getMessage());
    }

    @Test
    void load_flippedBytesInTheGraph_eitherRejectedOrStillExact() throws IOException {
        // A flip the checks cannot see (say, in one neighbour id) may load; it must then still
        // return real items with exact scores and high recall, never wrong answers.
        ItemIndex exact = ItemIndexes.exact(items);
        int rejected = 0;
        for (int k = 1; k <= 8; k++) {
            byte[] flipped = bytes.clone();
            int at = headerLength() + (int) ((long) (flipped.length - headerLength()) * k / 9);
            flipped[at] ^= 0x5A;
            Path f = Files.write(dir.resolve("flipped-" + k + ".hnsw"), flipped);
            try (ItemIndex loaded = ItemIndexes.loadHnsw(f, items, PARAMS)) {
                for (float[] q : gen.queries(20, SEED + 4)) {
                    SearchResult r = loaded.search(q, 10);
                    for (int i = 0; i < r.size(); i++) assertEquals(NaiveScan.dot(items, r.ordinal(i), q), r.score(i), 1e-4);
                }
                double recall = ClusteredVectors.recall(loaded, exact, gen.queries(100, SEED + 5), 10);
                assertTrue(recall >= 0.95, "flip " + k + " loaded with recall@10 " + recall);
            } catch (IndexFileException e) {
                rejected++;
            }
        }
        assertTrue(rejected > 0, "no flip was detected at all");
    }

    private static IndexFileException assertReason(String reason, Vectors vectors, IndexParams params, Path f) {
        IndexFileException e = assertThrows(IndexFileException.class, () -> ItemIndexes.loadHnsw(f, vectors, params));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    /** Length of the header this test's file was written with. */
    private static int headerLength() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.write(HnswIndexFile.MAGIC);
            for (int i = 0; i < 6; i++) d.writeInt(0);
            d.writeUTF(HnswIndexFile.DISTANCE);
            d.writeUTF(HnswIndexFile.ITEM_TYPE);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.size();
    }
}
