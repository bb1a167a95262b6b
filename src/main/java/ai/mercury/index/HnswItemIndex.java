package ai.mercury.index;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import com.github.jelmerk.knn.hnsw.SizeLimitExceededException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Approximate top-k by inner product: a graph built by jelmerk hnswlib-core, searched by
 * {@link HnswLayers} (our own search over a flat copy of hnswlib's links; hnswlib's own
 * {@code findNearest} is 3-5 times slower, see that class).
 *
 * <p><b>Inner product as a metric.</b> Item vectors have different norms, and a graph built with
 * {@code 1 - dot} as its "distance" (not a metric) links items poorly: on a 100k catalog recall@100
 * was 0.895 at ef 200. So the graph is built over <em>augmented</em> vectors: every row gets one
 * more component, {@code sqrt(N^2 - |x|^2)}, where N is the largest row norm, so that all augmented
 * rows have norm N and {@code 1 - dot} orders them as Euclidean distance does (Bachrach et al.,
 * "Speeding up the Xbox recommender system using a Euclidean transformation for inner-product
 * spaces", RecSys 2014). A query gets a 0 there, so its dot product with an augmented row is its
 * dot product with the row: the search scores plain rows and returns exact dot products. A live
 * item whose norm exceeds N gets 0 (it is still linked and found, by a slightly less tidy graph).
 * Graphs in files of format version 1 were built without augmentation; they are still served.
 *
 * <p>Scores are the dot kernel's, identical to the exact index's; ties by lower ordinal.
 *
 * <p>Live items: the graph is built with headroom ({@link #capacityFor}) and removal enabled, so
 * a live insert is an {@code HnswIndex.add} (hnswlib links it under its own locks) followed by a
 * copy of the lists it changed into {@link HnswLayers}; a delete is a soft delete (the node stays
 * a waypoint, never a result). When the headroom is used up, hnswlib's graph and the layers grow.
 * The row is appended to the {@link RowStore} before the node enters the graph.
 *
 * <p>Thread-safety: any number of concurrent searches, without locks, also during live writes
 * (one writer at a time).
 */
final class HnswItemIndex extends RowStoreIndex {

    private static final System.Logger LOG = System.getLogger(HnswItemIndex.class.getName());

    private final HnswIndex<Integer, float[], HnswItem, Float> graph;
    private final HnswLayers layers;
    private final Vectors vectors;
    private final IndexParams params;
    private final float augmentNorm; // 0: the graph holds the plain rows (format version 1 files)
    private final boolean prebuilt;

    private HnswItemIndex(HnswIndex<Integer, float[], HnswItem, Float> graph, Vectors vectors,
                          DotKernel kernel, IndexParams params, float augmentNorm, boolean prebuilt) {
        super(new RowStore(vectors), kernel);
        this.graph = graph;
        this.layers = HnswLayers.copyOf(graph);
        this.vectors = vectors;
        this.params = params;
        this.augmentNorm = augmentNorm;
        this.prebuilt = prebuilt;
    }

    /**
     * Wraps a graph read from an {@code index.hnsw} file that {@link HnswIndexFile} has already
     * checked against {@code vectors}, {@code params} and {@code augmentNorm}.
     */
    static HnswItemIndex ofVerified(HnswIndex<Integer, float[], HnswItem, Float> graph, Vectors vectors, IndexParams params,
                                    float augmentNorm) {
        return new HnswItemIndex(graph, vectors, DotKernels.best(), params, augmentNorm, true);
    }

    /** Capacity to allocate for {@code count} items: 25% headroom, at least 1024 spare slots. */
    static int capacityFor(int count) {
        long cap = (long) count + Math.max(1024, count / 4);
        return (int) Math.min(Integer.MAX_VALUE - 8, cap);
    }

    /** The augmentation norm for {@code vectors}: the largest row norm (1 for an empty or all-zero matrix). */
    static float augmentNormOf(Vectors vectors) {
        float[] d = vectors.data();
        int dim = vectors.dim();
        double max = 0;
        for (int i = 0; i < vectors.count(); i++) {
            double sq = 0;
            for (int j = i * dim, e = j + dim; j < e; j++) sq += (double) d[j] * d[j];
            max = Math.max(max, sq);
        }
        return max > 0 ? (float) Math.sqrt(max) : 1f;
    }

    /**
     * {@code row} plus the component {@code sqrt(norm^2 - |row|^2)} (0 when negative), computed
     * in double: the same bits every time, which {@link HnswIndexFile} relies on to check a file.
     */
    static float[] augmented(float[] data, int offset, int dim, float norm) {
        float[] v = Arrays.copyOf(Arrays.copyOfRange(data, offset, offset + dim), dim + 1);
        double sq = 0;
        for (int j = 0; j < dim; j++) sq += (double) v[j] * v[j];
        v[dim] = (float) Math.sqrt(Math.max(0, (double) norm * norm - sq));
        return v;
    }

    static HnswItemIndex build(Vectors vectors, IndexParams params, int threads) {
        long start = System.nanoTime();
        int dim = vectors.dim();
        float norm = augmentNormOf(vectors);
        HnswIndex<Integer, float[], HnswItem, Float> graph = HnswIndex
                .newBuilder(dim + 1, DistanceFunctions.FLOAT_INNER_PRODUCT, capacityFor(vectors.count()))
                .withM(params.m())
                .withEfConstruction(params.efConstruction())
                .withEf(params.ef())
                .withRemoveEnabled()
                .build();
        List<HnswItem> items = new ArrayList<>(vectors.count());
        for (int i = 0; i < vectors.count(); i++) {
            items.add(new HnswItem(i, augmented(vectors.data(), i * dim, dim, norm)));
        }
        try {
            graph.addAll(items, Math.max(1, threads), (done, max) -> { }, Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the HNSW index", e);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        LOG.log(Level.INFO, () -> String.format(
                "built HNSW index: %d items x %d dims (+1 augmented, norm %.4f), m=%d, efConstruction=%d, %d threads, %d ms",
                vectors.count(), dim, norm, params.m(), params.efConstruction(), threads, ms));
        return new HnswItemIndex(graph, vectors, DotKernels.best(), params, norm, false);
    }

    @Override
    public String kind() {
        return IndexKind.HNSW.label();
    }

    IndexParams params() {
        return params;
    }

    /** The hnswlib graph, for {@link HnswIndexFile#write} and checks; never mutate it. */
    HnswIndex<Integer, float[], HnswItem, Float> graph() {
        return graph;
    }

    /** The bundle's rows the graph was built over (live rows are not included). */
    Vectors vectors() {
        return vectors;
    }

    /** The norm the graph's rows were augmented to, 0 when they were not (see the class comment). */
    float augmentNorm() {
        return augmentNorm;
    }

    /** Whether the graph was read from a prebuilt {@code index.hnsw} rather than built here. */
    boolean prebuilt() {
        return prebuilt;
    }

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        return layers.search(rows, kernel, query, k, params.ef());
    }

    @Override
    public void add(int ordinal, float[] vector) {
        appendRow(ordinal, vector);
        HnswItem node = new HnswItem(ordinal, augmentNorm > 0 ? augmented(vector, 0, vector.length, augmentNorm) : vector.clone());
        try {
            graph.add(node);
        } catch (SizeLimitExceededException full) {
            int capacity = capacityFor(graph.getMaxItemCount());
            graph.resize(capacity); // hnswlib's own searches are not used, so no reader sees this half-way
            layers.grow(capacity);
            LOG.log(Level.INFO, () -> "grew the HNSW index to a capacity of " + capacity + " items");
            graph.add(node);
        }
        layers.copyInserted(graph, ordinal);
    }

    @Override
    public boolean remove(int ordinal) {
        if (!super.remove(ordinal)) return false;
        graph.remove(ordinal, 0L);
        return true;
    }

    @Override
    public String toString() {
        return "HnswItemIndex[" + size() + " x " + vectors.dim() + ", m=" + params.m()
                + ", efConstruction=" + params.efConstruction() + ", ef=" + params.ef() + (augmentNorm > 0 ? ", augmented" : "")
                + (prebuilt ? ", prebuilt" : "") + "]";
    }
}
