package ai.mercury.index;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * Approximate top-k over jelmerk hnswlib's {@link HnswIndex} with
 * {@link DistanceFunctions#FLOAT_INNER_PRODUCT} (distance {@code 1 - dot}).
 *
 * <p>ef: hnswlib's {@code setEf} mutates a plain (non-volatile) field shared by every search, so
 * it is never called after the build. {@code HnswIndex.findNearest(q, k)} searches the bottom
 * layer with {@code max(ef, k)} candidates (verified in the 1.1.2 bytecode), so a search for
 * {@code k} items always gets at least {@code k} candidates. A per-request ef larger than the
 * built one would be {@code findNearest(q, max(ef, k))} truncated to k; that is thread-safe too.
 *
 * <p>Scores are recomputed as dot products with the same kernel as the exact index rather than
 * taken as {@code 1 - distance}: identical to the exact scores and free of the float rounding of
 * the subtraction. Results are re-sorted by (score desc, ordinal asc) so ties order as in the
 * exact index.
 *
 * <p>Capacity: the graph is built with headroom ({@link #capacityFor}) and with removal enabled,
 * so live inserts and soft deletes can be added without a rebuild ({@code HnswIndex.resize} grows
 * it further).
 *
 * <p>Thread-safety: concurrent searches are safe. hnswlib pools one visited-set per available
 * processor and blocks a search when more run at once than there are processors.
 */
final class HnswItemIndex implements ItemIndex {

    private static final System.Logger LOG = System.getLogger(HnswItemIndex.class.getName());

    private final HnswIndex<Integer, float[], HnswItem, Float> graph;
    private final Vectors vectors;
    private final DotKernel kernel;
    private final IndexParams params;
    private final boolean prebuilt;

    private HnswItemIndex(HnswIndex<Integer, float[], HnswItem, Float> graph, Vectors vectors,
                          DotKernel kernel, IndexParams params, boolean prebuilt) {
        this.graph = graph;
        this.vectors = vectors;
        this.kernel = kernel;
        this.params = params;
        this.prebuilt = prebuilt;
    }

    /**
     * Wraps a graph read from an {@code index.hnsw} file that {@link HnswIndexFile} has already
     * checked against {@code vectors} and {@code params}. Sets the search-time ef to
     * {@code params.ef()} here, before the index is shared with any other thread.
     */
    static HnswItemIndex ofVerified(HnswIndex<Integer, float[], HnswItem, Float> graph, Vectors vectors, IndexParams params) {
        graph.setEf(params.ef());
        return new HnswItemIndex(graph, vectors, DotKernels.best(), params, true);
    }

    /** Capacity to allocate for {@code count} items: 25% headroom, at least 1024 spare slots. */
    static int capacityFor(int count) {
        long cap = (long) count + Math.max(1024, count / 4);
        return (int) Math.min(Integer.MAX_VALUE - 8, cap);
    }

    static HnswItemIndex build(Vectors vectors, IndexParams params, int threads) {
        long start = System.nanoTime();
        HnswIndex<Integer, float[], HnswItem, Float> graph = HnswIndex
                .newBuilder(vectors.dim(), DistanceFunctions.FLOAT_INNER_PRODUCT, capacityFor(vectors.count()))
                .withM(params.m())
                .withEfConstruction(params.efConstruction())
                .withEf(params.ef())
                .withRemoveEnabled()
                .build();
        List<HnswItem> items = new ArrayList<>(vectors.count());
        for (int i = 0; i < vectors.count(); i++) {
            items.add(new HnswItem(i, vectors.row(i)));
        }
        try {
            graph.addAll(items, Math.max(1, threads), (done, max) -> { }, Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the HNSW index", e);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        LOG.log(Level.INFO, () -> String.format(
                "built HNSW index: %d items x %d dims, m=%d, efConstruction=%d, ef=%d, %d threads, %d ms",
                vectors.count(), vectors.dim(), params.m(), params.efConstruction(), params.ef(), threads, ms));
        return new HnswItemIndex(graph, vectors, DotKernels.best(), params, false);
    }

    @Override
    public String kind() {
        return IndexKind.HNSW.label();
    }

    @Override
    public int size() {
        return graph.size();
    }

    @Override
    public int dimensions() {
        return vectors.dim();
    }

    IndexParams params() {
        return params;
    }

    /** The hnswlib graph, for {@link HnswIndexFile#write}; never mutate it. */
    HnswIndex<Integer, float[], HnswItem, Float> graph() {
        return graph;
    }

    Vectors vectors() {
        return vectors;
    }

    /** Whether the graph was read from a prebuilt {@code index.hnsw} rather than built here. */
    boolean prebuilt() {
        return prebuilt;
    }

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        // findNearest uses max(ef, k) candidates itself; never call setEf per request.
        List<com.github.jelmerk.knn.SearchResult<HnswItem, Float>> found = graph.findNearest(query, k);
        int n = Math.min(k, found.size());
        if (n == 0) {
            return SearchResult.EMPTY;
        }
        TopK top = new TopK(n);
        float[] data = vectors.data();
        int dim = vectors.dim();
        for (int i = 0; i < n; i++) {
            int ordinal = found.get(i).item().id();
            top.offer(kernel.dot(data, ordinal * dim, query, dim), ordinal);
        }
        return top.drain();
    }

    @Override
    public String toString() {
        return "HnswItemIndex[" + size() + " x " + vectors.dim() + ", m=" + params.m()
                + ", efConstruction=" + params.efConstruction() + ", ef=" + params.ef() + (prebuilt ? ", prebuilt" : "") + "]";
    }
}
