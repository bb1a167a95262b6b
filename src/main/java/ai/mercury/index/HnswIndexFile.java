package ai.mercury.index;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The {@code index.hnsw} file, format version {@value #FORMAT_VERSION}: Mercury's own HNSW graph,
 * the {@link HnswLayers} arrays as they are searched, written with plain channel I/O and read
 * without hnswlib (docs/bundle-format.md#indexhnsw has the byte layout).
 *
 * <p>Layout, big-endian: a 60-byte header (the 8 ASCII bytes {@code MRCYHNSW}, int32 format
 * version, int32 count, dim, M, maxM0 = 2M, efConstruction, ef at build time (informational),
 * distance (1 = inner product), entry point, top layer, int64 number of upper-layer ints, and the
 * CRC32C of those 56 bytes); then the payload: {@code count} level bytes, {@code count} int32
 * CRC32Cs of each row of {@code item_vectors.npy} the graph was built over (its float32 bits,
 * big-endian), {@code count} layer-0 blocks of {@code maxM0 + 1} int32 (the link count, then the
 * links, unused slots 0), the upper layers of each node with a level above 0 in ordinal order
 * ({@code level} blocks of {@code M + 1} int32), and the CRC32C of the payload.
 *
 * <p>Reading checks, in order, and fails with an {@link IndexFileException} on the first miss:
 * magic and version (version 1, hnswlib's Java serialization, is reason {@code old_format}: the
 * caller rebuilds); the header's checksum; count and dimension against the bundle's vectors, M
 * and efConstruction against the configured {@link IndexParams}; the file's length against what
 * the header implies (before anything is allocated); the payload's checksum (before any of
 * it is interpreted); levels against the header; the links ({@link HnswGraphCheck}); every row's checksum against the bundle's rows; a
 * recall probe (a few rows as queries, top-10 against exact search). A file is read once, start
 * to end, so a damaged one can neither hang nor exhaust the loader.
 *
 * <p>Writing goes to a temporary sibling name, is fsynced, and is renamed into place atomically.
 * Stateless.
 */
final class HnswIndexFile {

    static final byte[] MAGIC = "MRCYHNSW".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 2;
    /** hnswlib's Java serialization with a Mercury class inside; recognised only to be rebuilt. */
    static final int OLD_FORMAT_VERSION = 1;
    static final int DISTANCE_INNER_PRODUCT = 1;
    static final int HEADER_BYTES = 60;

    /** Recall probe: this many rows as queries, top-{@value #PROBE_K}, mean recall at least {@value #MIN_PROBE_RECALL}. */
    static final int PROBE_QUERIES = 10;
    static final int PROBE_K = 10;
    static final double MIN_PROBE_RECALL = 0.9;

    private static final int CHUNK = 1 << 16;

    /** What the header of an {@code index.hnsw} says. */
    record Header(int count, int dim, int m, int maxM0, int efConstruction, int ef, int distance,
                  int entryPoint, int topLevel, long upperInts) {

        /** The file length this header implies. */
        long fileBytes() {
            return HEADER_BYTES + 5L * count + 4L * count * (maxM0 + 1L) + 4L * upperInts + 4;
        }
    }

    private HnswIndexFile() {}

    /**
     * Writes the bundle rows of {@code index} ({@link HnswItemIndex#vectors()}) and their links to
     * {@code file} through a temporary sibling and an atomic rename. Only an index without live
     * adds can be written: the file describes exactly the rows it was built over.
     */
    static void write(HnswItemIndex index, Path file) throws IOException {
        Vectors vectors = index.vectors();
        if (index.ordinalLimit() != vectors.count()) {
            throw new IllegalStateException("the index has taken live adds (" + index.ordinalLimit() + " rows, built over "
                    + vectors.count() + "); only a built or loaded graph can be written");
        }
        HnswLayers layers = index.layers();
        HnswLayers.State s = layers.state();
        int count = vectors.count(), dim = vectors.dim(), m = layers.maxM(), maxM0 = layers.maxM0();
        IndexParams p = index.params();
        long upperInts = 0;
        for (int i = 0; i < count; i++) upperInts += s.upper()[i] == null ? 0 : s.upper()[i].length;
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
                h.put(MAGIC).putInt(FORMAT_VERSION).putInt(count).putInt(dim).putInt(m).putInt(maxM0)
                        .putInt(p.efConstruction()).putInt(p.ef()).putInt(DISTANCE_INNER_PRODUCT)
                        .putInt(s.entryPoint()).putInt(s.topLevel()).putLong(upperInts);
                h.putInt(crc(h.array(), 0, HEADER_BYTES - 4));
                writeFully(ch, h.flip());
                Out out = new Out(ch);
                byte[] levels = new byte[count];
                for (int i = 0; i < count; i++) levels[i] = (byte) layers.level(s, i);
                out.bytes(levels);
                int[] rowCrcs = new int[count];
                for (int i = 0; i < count; i++) rowCrcs[i] = rowCrc(vectors.data(), i, dim);
                out.ints(rowCrcs, 0, count);
                out.ints(s.level0(), 0, count * (maxM0 + 1));
                for (int i = 0; i < count; i++) if (s.upper()[i] != null) out.ints(s.upper()[i], 0, s.upper()[i].length);
                out.finish();
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads and checks only the header (cheap): for tools and for logs. */
    static Header readHeader(Path file) throws IndexFileException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(ch);
        } catch (IOException e) {
            throw new IndexFileException("unreadable", "cannot read " + file + ": " + e);
        }
    }

    /**
     * Reads {@code file} and checks it against {@code vectors} and {@code params} as the class
     * comment says. The returned index is ready to share; its search ef is {@code params.ef()}.
     */
    static HnswItemIndex read(Path file, Vectors vectors, IndexParams params) throws IndexFileException {
        HnswLayers layers;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(ch);
            checkHeader(h, vectors, params);
            if (ch.size() != h.fileBytes()) {
                throw new IndexFileException("corrupt", "the file has " + ch.size() + " bytes, its header describes "
                        + h.fileBytes() + " (truncated or padded)");
            }
            layers = readLayers(ch, h, vectors);
        } catch (IOException e) {
            throw new IndexFileException("unreadable", "cannot read " + file + ": " + e);
        }
        HnswGraphCheck.check(layers, vectors.count());
        HnswItemIndex index = HnswItemIndex.ofVerified(layers, vectors, params);
        probeRecall(index, vectors);
        return index;
    }

    private static Header readHeader(FileChannel ch) throws IOException, IndexFileException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        while (b.hasRemaining() && ch.read(b) >= 0) { /* until full or end of file */ }
        b.flip();
        byte[] magic = new byte[MAGIC.length];
        if (b.remaining() < MAGIC.length + 4) throw new IndexFileException("format", "shorter than its header");
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IndexFileException("format", "does not start with " + new String(MAGIC, StandardCharsets.US_ASCII)
                    + ": not a Mercury HNSW index file");
        }
        int version = b.getInt();
        if (version == OLD_FORMAT_VERSION) {
            throw new IndexFileException("old_format", "format version 1 (hnswlib's Java serialization), replaced by version "
                    + FORMAT_VERSION);
        }
        if (version != FORMAT_VERSION) {
            throw new IndexFileException("format", "format version " + version + ", this server reads " + FORMAT_VERSION);
        }
        if (b.limit() < HEADER_BYTES) throw new IndexFileException("corrupt", "shorter than its header");
        int stored = b.getInt(HEADER_BYTES - 4);
        if (stored != crc(b.array(), 0, HEADER_BYTES - 4)) throw new IndexFileException("corrupt", "the header's checksum does not match");
        return new Header(b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(),
                b.getInt(), b.getLong());
    }

    private static void checkHeader(Header h, Vectors vectors, IndexParams params) throws IndexFileException {
        if (h.count() != vectors.count() || h.dim() != vectors.dim()) {
            throw new IndexFileException("mismatch", "built over [" + h.count() + ", " + h.dim() + "] vectors, the bundle has ["
                    + vectors.count() + ", " + vectors.dim() + "]");
        }
        if (h.m() != params.m() || h.efConstruction() != params.efConstruction()) {
            throw new IndexFileException("params", "built with m=" + h.m() + ", efConstruction=" + h.efConstruction()
                    + ", the server is configured for m=" + params.m() + ", efConstruction=" + params.efConstruction());
        }
        if (h.maxM0() != 2 * h.m()) {
            throw new IndexFileException("corrupt", "layer 0 holds up to " + h.maxM0() + " links per node, not 2m = " + 2 * h.m());
        }
        if (h.distance() != DISTANCE_INNER_PRODUCT) {
            throw new IndexFileException("format", "distance " + h.distance() + ", this server reads " + DISTANCE_INNER_PRODUCT
                    + " (inner product)");
        }
        if (h.upperInts() < 0 || h.upperInts() > (long) h.count() * HnswInserter.MAX_LEVEL * (h.m() + 1)) {
            throw new IndexFileException("corrupt", "the header counts " + h.upperInts() + " upper-layer ints for " + h.count() + " nodes");
        }
    }

    /** The payload after a checked header and file length, into layers with headroom for live adds. */
    private static HnswLayers readLayers(FileChannel ch, Header h, Vectors vectors) throws IOException, IndexFileException {
        int count = h.count(), m = h.m(), maxM0 = h.maxM0();
        In in = new In(ch);
        byte[] levels = new byte[count];
        in.bytes(levels);
        int[] rowCrcs = new int[count];
        in.ints(rowCrcs, 0, count);
        int capacity = HnswItemIndex.capacityFor(count);
        int[] level0 = new int[Math.multiplyExact(capacity, maxM0 + 1)];
        in.ints(level0, 0, count * (maxM0 + 1));
        int[] upperFlat = new int[Math.toIntExact(h.upperInts())];
        in.ints(upperFlat, 0, upperFlat.length);
        int payloadCrc = in.checksum();
        int stored = in.trailer();
        if (stored != payloadCrc) throw new IndexFileException("corrupt", "the payload's checksum does not match (damaged file)");
        long upperInts = 0;
        for (int i = 0; i < count; i++) {
            if (levels[i] < 0 || levels[i] > HnswInserter.MAX_LEVEL) {
                throw new IndexFileException("corrupt", "node " + i + " has level " + levels[i] + ", outside [0, " + HnswInserter.MAX_LEVEL + "]");
            }
            upperInts += levels[i] * (m + 1L);
        }
        if (upperInts != h.upperInts()) {
            throw new IndexFileException("corrupt", "the levels need " + upperInts + " upper-layer ints, the header counts " + h.upperInts());
        }
        int[][] upper = new int[capacity][];
        for (int i = 0, at = 0; i < count; i++) {
            if (levels[i] == 0) continue;
            upper[i] = Arrays.copyOfRange(upperFlat, at, at += levels[i] * (m + 1));
        }
        checkRows(rowCrcs, vectors);
        return new HnswLayers(m, maxM0, level0, upper, h.entryPoint(), h.topLevel());
    }

    private static void checkRows(int[] rowCrcs, Vectors vectors) throws IndexFileException {
        for (int i = 0; i < vectors.count(); i++) {
            if (rowCrc(vectors.data(), i, vectors.dim()) != rowCrcs[i]) {
                throw new IndexFileException("mismatch", "row " + i + " of item_vectors.npy differs from the row the graph was built"
                        + " over (item " + i + ")");
            }
        }
    }

    /** Rows as queries: a graph whose links are damaged in a way the structure check allows fails here. */
    private static void probeRecall(HnswItemIndex index, Vectors vectors) throws IndexFileException {
        int n = vectors.count();
        if (n == 0) return;
        int k = Math.min(PROBE_K, n);
        ItemIndex exact = ItemIndexes.exact(vectors);
        SplittableRandom rnd = new SplittableRandom(n * 31L + vectors.dim());
        int queries = Math.min(PROBE_QUERIES, n);
        double hits = 0;
        for (int q = 0; q < queries; q++) {
            float[] query = vectors.row(rnd.nextInt(n));
            SearchResult truth = exact.search(query, k);
            SearchResult got = index.search(query, k);
            for (int i = 0; i < got.size(); i++) {
                for (int j = 0; j < truth.size(); j++) {
                    if (got.ordinal(i) == truth.ordinal(j)) {
                        hits++;
                        break;
                    }
                }
            }
        }
        double recall = hits / ((double) queries * k);
        if (recall < MIN_PROBE_RECALL) {
            throw new IndexFileException("recall", "recall@" + k + " of the graph on " + queries + " probe queries is "
                    + String.format("%.2f", recall) + ", below " + MIN_PROBE_RECALL);
        }
    }

    /** CRC32C of row {@code row}'s float32 bits, big-endian. */
    static int rowCrc(float[] data, int row, int dim) {
        ByteBuffer b = ByteBuffer.allocate(dim * 4);
        b.asFloatBuffer().put(data, row * dim, dim);
        return crc(b.array(), 0, dim * 4);
    }

    private static int crc(byte[] bytes, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(bytes, off, len);
        return (int) c.getValue();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** The payload's writer: big-endian chunks, with a running CRC32C written last by {@link #finish}. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        private final CRC32C crc = new CRC32C();

        Out(FileChannel ch) {
            this.ch = ch;
        }

        void bytes(byte[] b) throws IOException {
            for (int at = 0; at < b.length; ) {
                if (!buf.hasRemaining()) flush();
                int n = Math.min(buf.remaining(), b.length - at);
                buf.put(b, at, n);
                at += n;
            }
        }

        void ints(int[] a, int off, int len) throws IOException {
            for (int at = 0; at < len; ) {
                if (buf.remaining() < 4) flush();
                int n = Math.min(buf.remaining() / 4, len - at);
                buf.asIntBuffer().put(a, off + at, n);
                buf.position(buf.position() + n * 4);
                at += n;
            }
        }

        private void flush() throws IOException {
            buf.flip();
            crc.update(buf.array(), 0, buf.limit());
            writeFully(ch, buf);
            buf.clear();
        }

        void finish() throws IOException {
            flush();
            writeFully(ch, ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()));
        }
    }

    /** The payload's reader: big-endian chunks, a running CRC32C, and "truncated" at an early end. */
    private static final class In {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).flip();
        private final CRC32C crc = new CRC32C();

        In(FileChannel ch) {
            this.ch = ch;
        }

        /** Makes at least {@code bytes} bytes available. */
        private void need(int bytes) throws IOException, IndexFileException {
            if (buf.remaining() >= bytes) return;
            buf.compact();
            try {
                while (buf.position() < bytes) {
                    if (ch.read(buf) < 0) throw new EOFException();
                }
            } catch (EOFException e) {
                throw new IndexFileException("corrupt", "the file ends early (truncated)");
            } finally {
                buf.flip();
            }
        }

        void bytes(byte[] b) throws IOException, IndexFileException {
            for (int at = 0; at < b.length; ) {
                need(1);
                int n = Math.min(buf.remaining(), b.length - at);
                crc.update(buf.array(), buf.position(), n);
                buf.get(b, at, n);
                at += n;
            }
        }

        void ints(int[] a, int off, int len) throws IOException, IndexFileException {
            for (int at = 0; at < len; ) {
                need(4);
                int n = Math.min(buf.remaining() / 4, len - at);
                crc.update(buf.array(), buf.position(), n * 4);
                buf.asIntBuffer().get(a, off + at, n);
                buf.position(buf.position() + n * 4);
                at += n;
            }
        }

        int checksum() {
            return (int) crc.getValue();
        }

        int trailer() throws IOException, IndexFileException {
            need(4);
            return buf.getInt();
        }
    }
}
