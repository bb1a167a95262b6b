package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * index.hnsw, one field at a time: each header and payload field damaged the way a faulty
 * publisher could write it (checksums recomputed, so only the field's own check can catch it) is
 * rejected with a reason that names it; a version-1 file (hnswlib serialization) is recognised as
 * the old format without being deserialized; and the reader needs no hnswlib class at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HnswIndexFileFieldsTest {
    private static final int DIM = 16;
    private static final int N = 1_500;
    private static final IndexParams PARAMS = IndexParams.DEFAULTS.withKind(IndexKind.HNSW).withM(8).withEfConstruction(64).withEf(64);
    private static final int MAX_M0 = 16;

    @TempDir
    static Path dir;

    private Vectors items;
    private HnswItemIndex built;
    private byte[] bytes;
    private int upperStart;

    @BeforeAll
    void writeOnce() throws IOException {
        items = new ClusteredVectors(DIM, 20, 0.1, 3).items(N, 4);
        built = HnswItemIndex.build(items, PARAMS, 1);
        Path file = dir.resolve("index.hnsw");
        HnswIndexFile.write(built, file);
        bytes = Files.readAllBytes(file);
        upperStart = layer0() + 4 * N * (MAX_M0 + 1);
    }

    @AfterAll
    void close() {
        built.close();
    }

    // ---- header fields (header checksum recomputed) ----

    @Test
    void headerByte_withoutItsChecksum_rejected() throws IOException {
        byte[] b = bytes.clone();
        b[33] ^= 1; // ef: informational, but covered by the header checksum
        assertMessage("corrupt", "header's checksum", write("header-crc", b));
    }

    @Test
    void count_rejectedAsAnotherBundlesGraph() throws IOException {
        assertMessage("mismatch", "built over [" + (N + 1), header(b -> b.putInt(12, N + 1)));
    }

    @Test
    void maxM0_rejected() throws IOException {
        assertMessage("corrupt", "not 2m", header(b -> b.putInt(24, 20)));
    }

    @Test
    void distance_rejected() throws IOException {
        assertMessage("format", "distance 2", header(b -> b.putInt(36, 2)));
    }

    @Test
    void entryPointOffTheTopLayer_rejected() throws IOException {
        int levelZeroNode = 0;
        while (bytes[HnswIndexFile.HEADER_BYTES + levelZeroNode] != 0) levelZeroNode++;
        int node = levelZeroNode;
        assertMessage("corrupt", "entry point " + node, header(b -> b.putInt(40, node)));
        assertMessage("corrupt", "entry point", header(b -> b.putInt(40, N)));
        assertMessage("corrupt", "entry point", header(b -> b.putInt(40, -7)));
    }

    @Test
    void topLevel_rejected() throws IOException {
        int top = ByteBuffer.wrap(bytes).getInt(44);
        assertMessage("corrupt", "top layer " + (top + 1), header(b -> b.putInt(44, top + 1)));
    }

    @Test
    void upperIntCount_rejected() throws IOException {
        long upper = ByteBuffer.wrap(bytes).getLong(48);
        assertMessage("corrupt", "truncated or padded", header(b -> b.putLong(48, upper + 9)));
        assertMessage("corrupt", "upper-layer ints", header(b -> b.putLong(48, Long.MAX_VALUE / 2)));
    }

    // ---- payload fields (payload checksum recomputed) ----

    @Test
    void level_rejected() throws IOException {
        assertMessage("corrupt", "levels need", payload(b -> b.put(HnswIndexFile.HEADER_BYTES + 3, (byte) (b.get(HnswIndexFile.HEADER_BYTES + 3) + 1))));
        assertMessage("corrupt", "node 5 has level -3", payload(b -> b.put(HnswIndexFile.HEADER_BYTES + 5, (byte) -3)));
    }

    @Test
    void rowChecksum_rejectedAsOtherVectors() throws IOException {
        int at = HnswIndexFile.HEADER_BYTES + N + 4 * 42;
        assertMessage("mismatch", "row 42 ", payload(b -> b.putInt(at, b.getInt(at) ^ 1)));
    }

    @Test
    void layer0LinkOutOfRange_rejected() throws IOException {
        int at = layer0() + 4 * (7 * (MAX_M0 + 1) + 1); // node 7's first link
        assertMessage("corrupt", "node 7 layer 0 links to " + N, payload(b -> b.putInt(at, N)));
        assertMessage("corrupt", "node 7 layer 0 links to -1", payload(b -> b.putInt(at, -1)));
        assertMessage("corrupt", "node 7 layer 0 links to 7", payload(b -> b.putInt(at, 7)));
    }

    @Test
    void layer0LinkCount_rejected() throws IOException {
        int at = layer0() + 4 * (9 * (MAX_M0 + 1)); // node 9's count
        assertMessage("corrupt", "node 9 layer 0 has " + (MAX_M0 + 1) + " links, at most " + MAX_M0,
                payload(b -> b.putInt(at, MAX_M0 + 1)));
    }

    @Test
    void upperLinkToANodeBelowThatLayer_rejected() throws IOException {
        int levelZeroNode = 0;
        while (bytes[HnswIndexFile.HEADER_BYTES + levelZeroNode] != 0) levelZeroNode++;
        int target = levelZeroNode;
        assertTrue(upperStart < bytes.length - 4, "the graph has upper layers");
        // the first upper list belongs to the first node with a level above 0; give it one link to a layer-0 node
        assertMessage("corrupt", "layer 1 links to " + target, payload(b -> {
            b.putInt(upperStart, 1);
            b.putInt(upperStart + 4, target);
        }));
    }

    @Test
    void payloadChecksum_rejected() throws IOException {
        byte[] b = bytes.clone();
        b[b.length - 1] ^= 1;
        assertMessage("corrupt", "payload's checksum", write("trailer", b));
    }

    @Test
    void linksThatPassTheStructureCheck_butLeadNowhere_failTheRecallProbe() throws IOException {
        // every node keeps one valid link, to its ring neighbour: a legal graph that finds nothing
        assertMessage("recall", "recall@10", payload(b -> {
            for (int i = 0; i < N; i++) {
                int base = layer0() + 4 * i * (MAX_M0 + 1);
                b.putInt(base, 1);
                b.putInt(base + 4, (i + 1) % N);
            }
        }));
    }

    // ---- the old format, and no hnswlib ----

    @Test
    void version1File_isTheOldFormat_andIsNeverDeserialized() throws Exception {
        Path old = dir.resolve("old.hnsw");
        try (OutputStream raw = Files.newOutputStream(old); DataOutputStream out = new DataOutputStream(raw)) {
            // exactly what version 1 wrote: a DataOutputStream header, then hnswlib's HnswIndex.save
            out.write(HnswIndexFile.MAGIC);
            out.writeInt(1);
            out.writeInt(N);
            out.writeInt(DIM);
            out.writeInt(PARAMS.m());
            out.writeInt(PARAMS.efConstruction());
            out.writeInt(PARAMS.ef());
            out.writeUTF("inner_product");
            out.writeUTF("ai.mercury.index.HnswItem");
            out.flush();
            HnswlibBuild.graph(items, PARAMS, 1).save(out);
        }
        assertMessage("old_format", "format version 1", old);
        byte[] b = Files.readAllBytes(old);
        for (int i = 60; i < b.length; i++) b[i] = 0; // the serialized graph is never looked at
        assertMessage("old_format", "format version 1", write("old-zeroed", b));
    }

    @Test
    void unknownVersion_rejected() throws IOException {
        byte[] b = bytes.clone();
        ByteBuffer.wrap(b).putInt(8, 3);
        assertMessage("format", "format version 3", write("v3", b));
    }

    @Test
    void reader_loadsAndSearches_withoutHnswlibOnTheClassPath() throws Exception {
        URL classes = HnswIndexFile.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader noHnswlib = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> noHnswlib.loadClass("com.github.jelmerk.knn.hnsw.HnswIndex"));
            Class<?> vectorsType = noHnswlib.loadClass(Vectors.class.getName());
            Class<?> paramsType = noHnswlib.loadClass(IndexParams.class.getName());
            Class<?> kindType = noHnswlib.loadClass(IndexKind.class.getName());
            Object vectors = vectorsType.getConstructor(int.class, int.class, float[].class).newInstance(N, DIM, items.data());
            Object hnswKind = kindType.getMethod("valueOf", String.class).invoke(null, "HNSW");
            Object params = paramsType.getConstructor(kindType, int.class, int.class, int.class, int.class)
                    .newInstance(hnswKind, PARAMS.m(), PARAMS.efConstruction(), PARAMS.ef(), 0);
            Class<?> indexes = noHnswlib.loadClass(ItemIndexes.class.getName());
            Method load = indexes.getMethod("loadHnsw", Path.class, vectorsType, paramsType);
            Object index = load.invoke(null, write("no-hnswlib", bytes), vectors, params);
            Object result = noHnswlib.loadClass(ItemIndex.class.getName()).getMethod("search", float[].class, int.class)
                    .invoke(index, items.row(11), 5);
            int[] ordinals = (int[]) noHnswlib.loadClass(SearchResult.class.getName()).getMethod("ordinals").invoke(result);
            assertEquals(11, ordinals[0], "a row's own vector finds it first");
            assertNotNull(index);
        }
    }

    // ---- helpers ----

    private int layer0() {
        return HnswIndexFile.HEADER_BYTES + 5 * N;
    }

    /** A copy with {@code change} applied to the header and the header checksum recomputed. */
    private Path header(Consumer<ByteBuffer> change) throws IOException {
        byte[] b = bytes.clone();
        ByteBuffer buf = ByteBuffer.wrap(b);
        change.accept(buf);
        buf.putInt(56, crc(b, 0, 56));
        return write("header", b);
    }

    /** A copy with {@code change} applied to the payload and the payload checksum recomputed. */
    private Path payload(Consumer<ByteBuffer> change) throws IOException {
        byte[] b = bytes.clone();
        ByteBuffer buf = ByteBuffer.wrap(b);
        change.accept(buf);
        buf.putInt(b.length - 4, crc(b, HnswIndexFile.HEADER_BYTES, b.length - 4 - HnswIndexFile.HEADER_BYTES));
        return write("payload", b);
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    private static Path write(String name, byte[] b) throws IOException {
        return Files.write(dir.resolve(name + "-" + System.nanoTime() + ".hnsw"), b);
    }

    private void assertMessage(String reason, String fragment, Path f) {
        IndexFileException e = assertThrows(IndexFileException.class, () -> ItemIndexes.loadHnsw(f, items, PARAMS));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
    }
}
