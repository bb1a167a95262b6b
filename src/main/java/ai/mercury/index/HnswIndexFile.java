package ai.mercury.index;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.JavaObjectSerializer;
import com.github.jelmerk.knn.hnsw.HnswIndex;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The {@code index.hnsw} file: a prebuilt {@link HnswItemIndex} graph, written with the parameters
 * it was built with and read back only after it has been checked against the bundle it ships in.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): the 8 ASCII bytes {@code MRCYHNSW}, int32
 * format version ({@value #FORMAT_VERSION}), int32 item count, int32 dimension, int32 M, int32
 * efConstruction, int32 ef at build time (informational: the server searches with its configured
 * ef), UTF string distance ({@code inner_product}), UTF string item type
 * ({@code ai.mercury.index.HnswItem}); then the graph as jelmerk hnswlib-core 1.1.2's
 * {@code HnswIndex.save} writes it (Java serialization; item ids are row ordinals of
 * {@code item_vectors.npy}, each item holds its own copy of the row).
 *
 * <p>Reading checks, in order, and fails with an {@link IndexFileException} on the first miss:
 * the magic and version; count, dimension, M and efConstruction in the header against the
 * bundle's vectors and the configured {@link IndexParams}; the graph stream through an
 * {@link ObjectInputFilter} that admits only the handful of classes an hnswlib graph of
 * {@link HnswItem}s holds (no other class is ever instantiated from the file); the graph's own
 * dimension, M, efConstruction, distance function and size; that ordinal {@code i} is present for
 * every row and its vector equals row {@code i} bit for bit; the links ({@link HnswGraphCheck}:
 * every link points at a node on its layer, so no search can run off the graph); and a recall probe (a few rows as
 * queries, top-10 against exact search). A graph that passes all of these answers like one built
 * from the same rows with the same M and efConstruction.
 *
 * <p>Writing goes to a temporary sibling name, is fsynced, and is renamed into place atomically:
 * hnswlib's own {@code save(Path)} overwrites its target in place, so a reader could otherwise see
 * half a file. Stateless.
 */
final class HnswIndexFile {

    static final byte[] MAGIC = "MRCYHNSW".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    static final String DISTANCE = "inner_product";
    static final String ITEM_TYPE = "ai.mercury.index.HnswItem";

    /** Recall probe: this many rows as queries, top-{@value #PROBE_K}, mean recall at least {@value #MIN_PROBE_RECALL}. */
    static final int PROBE_QUERIES = 10;
    static final int PROBE_K = 10;
    static final double MIN_PROBE_RECALL = 0.9;

    /** Every class a serialized {@code HnswIndex<Integer, float[], HnswItem, Float>} holds (hnswlib 1.1.2). */
    private static final Set<String> ALLOWED_CLASSES = Set.of(
            "com.github.jelmerk.knn.hnsw.HnswIndex",
            "com.github.jelmerk.knn.JavaObjectSerializer",
            "com.github.jelmerk.knn.DistanceFunctions$FloatInnerProduct",
            "java.util.Comparators$NaturalOrderComparator",
            "java.lang.Enum",
            "java.lang.Number",
            "java.lang.Integer",
            ITEM_TYPE);
    private static final int MAX_DEPTH = 16;

    /** What the header of an {@code index.hnsw} says. */
    record Header(int count, int dim, int m, int efConstruction, int ef, String distance, String itemType) {}

    private HnswIndexFile() {}

    /** Writes {@code index} to {@code file} through a temporary sibling and an atomic rename. */
    static void write(HnswItemIndex index, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            try (OutputStream raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
                IndexParams p = index.params();
                out.write(MAGIC);
                out.writeInt(FORMAT_VERSION);
                out.writeInt(index.size());
                out.writeInt(index.dimensions());
                out.writeInt(p.m());
                out.writeInt(p.efConstruction());
                out.writeInt(p.ef());
                out.writeUTF(DISTANCE);
                out.writeUTF(ITEM_TYPE);
                out.flush();
                index.graph().save(new NonClosing(out));
                out.flush();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads only the header (cheap): for tools and for logs. */
    static Header readHeader(Path file) throws IndexFileException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 4096))) {
            return readHeader(in);
        } catch (IOException e) {
            throw new IndexFileException("unreadable", "cannot read " + file + ": " + e);
        }
    }

    /**
     * Reads {@code file} and checks it against {@code vectors} and {@code params} as the class
     * comment says. The returned index is ready to share; its search ef is {@code params.ef()}.
     */
    static HnswItemIndex read(Path file, Vectors vectors, IndexParams params) throws IndexFileException {
        HnswIndex<Integer, float[], HnswItem, Float> graph;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            Header h = readHeader(in);
            checkHeader(h, vectors, params);
            graph = readGraph(in, vectors);
        } catch (IOException e) {
            throw new IndexFileException("unreadable", "cannot read " + file + ": " + e);
        }
        // The graph is in memory now; what follows checks it against the bundle and the configuration.
        try {
            HnswGraphCheck.check(graph, vectors.count());
            checkGraph(graph, vectors, params);
            HnswItemIndex index = HnswItemIndex.ofVerified(graph, vectors, params);
            probeRecall(index, vectors);
            return index;
        } catch (RuntimeException | StackOverflowError e) {
            // hnswlib trusts its files: a damaged lookup table or link list shows up as an exception here.
            throw new IndexFileException("corrupt", "the graph fails on use: " + e);
        }
    }

    private static Header readHeader(DataInputStream in) throws IOException, IndexFileException {
        byte[] magic = new byte[MAGIC.length];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IndexFileException("format", "shorter than its header");
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IndexFileException("format", "does not start with " + new String(MAGIC, StandardCharsets.US_ASCII)
                    + ": not a Mercury HNSW index file");
        }
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IndexFileException("format", "format version " + version + ", this server reads " + FORMAT_VERSION);
        }
        return new Header(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readUTF(), in.readUTF());
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
        if (!DISTANCE.equals(h.distance()) || !ITEM_TYPE.equals(h.itemType())) {
            throw new IndexFileException("format", "distance " + h.distance() + " over " + h.itemType() + ", expected "
                    + DISTANCE + " over " + ITEM_TYPE);
        }
    }

    @SuppressWarnings("unchecked")
    private static HnswIndex<Integer, float[], HnswItem, Float> readGraph(InputStream in, Vectors vectors) throws IndexFileException {
        long maxRefs = 16L * vectors.count() + 1024;
        ObjectInputFilter filter = info -> {
            if (info.depth() > MAX_DEPTH || info.references() > maxRefs) return ObjectInputFilter.Status.REJECTED;
            Class<?> c = info.serialClass();
            if (c == null) return ObjectInputFilter.Status.UNDECIDED;
            if (c == float[].class) {
                return info.arrayLength() < 0 || info.arrayLength() == vectors.dim()
                        ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
            }
            return ALLOWED_CLASSES.contains(c.getName()) ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
        };
        try {
            ObjectInputStream ois = new ObjectInputStream(in) {
                @Override
                protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                    if (!desc.getName().startsWith("[") && !ALLOWED_CLASSES.contains(desc.getName())) {
                        throw new java.io.InvalidClassException(desc.getName(), "not allowed in an index.hnsw file");
                    }
                    return Class.forName(desc.getName(), false, HnswIndexFile.class.getClassLoader());
                }
            };
            ois.setObjectInputFilter(filter);
            Object o = ois.readObject();
            if (!(o instanceof HnswIndex<?, ?, ?, ?> g)) {
                throw new IndexFileException("corrupt", "holds a " + (o == null ? "null" : o.getClass().getName()) + ", not an HnswIndex");
            }
            return (HnswIndex<Integer, float[], HnswItem, Float>) g;
        } catch (IndexFileException e) {
            throw e;
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            // A checksummed file can still be garbage its publisher wrote: treat anything as "not usable".
            throw new IndexFileException("corrupt", "the graph cannot be read: " + e);
        }
    }

    private static void checkGraph(HnswIndex<Integer, float[], HnswItem, Float> g, Vectors vectors, IndexParams params)
            throws IndexFileException {
        if (g.getDimensions() != vectors.dim() || g.getM() != params.m() || g.getEfConstruction() != params.efConstruction()) {
            throw new IndexFileException("mismatch", "the graph has dimensions=" + g.getDimensions() + ", m=" + g.getM()
                    + ", efConstruction=" + g.getEfConstruction() + ", its header and the configuration say dimensions="
                    + vectors.dim() + ", m=" + params.m() + ", efConstruction=" + params.efConstruction());
        }
        // FloatInnerProduct is package-private in hnswlib: compare classes with the public constant's.
        if (g.getDistanceFunction() == null || g.getDistanceFunction().getClass() != DistanceFunctions.FLOAT_INNER_PRODUCT.getClass()
                || !(g.getItemSerializer() instanceof JavaObjectSerializer)) {
            throw new IndexFileException("mismatch", "the graph uses " + g.getDistanceFunction()
                    + ", not the float inner product");
        }
        if (g.size() != vectors.count()) {
            throw new IndexFileException("mismatch", "the graph holds " + g.size() + " items, the bundle " + vectors.count());
        }
        float[] data = vectors.data();
        int dim = vectors.dim();
        for (int i = 0; i < vectors.count(); i++) {
            Optional<HnswItem> item = g.get(i);
            if (item.isEmpty()) throw new IndexFileException("mismatch", "the graph lacks item " + i);
            if (item.get().id() == null || item.get().id() != i) {
                throw new IndexFileException("mismatch", "the graph's item " + i + " is labelled " + item.get().id());
            }
            float[] v = item.get().vector();
            if (v == null || v.length != dim || !Arrays.equals(v, 0, dim, data, i * dim, (i + 1) * dim)) {
                throw new IndexFileException("mismatch", "the graph's vector of item " + i + " differs from row " + i
                        + " of item_vectors.npy");
            }
        }
    }

    /** Rows as queries: a graph whose links are damaged but whose items are right fails here. */
    private static void probeRecall(HnswItemIndex index, Vectors vectors) throws IndexFileException {
        int n = vectors.count();
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

    /** hnswlib closes the stream it saves to; the header's stream must stay open until we flush it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
