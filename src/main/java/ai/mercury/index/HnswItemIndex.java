package ai.mercury.index;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import com.github.jelmerk.knn.hnsw.SizeLimitExceededException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * <p>Live items: the graph is built with headroom ({@link #capacityFor}) and with removal enabled,
 * so a live insert is an {@code HnswIndex.add} and a delete is hnswlib's soft delete
 * ({@code remove(id, version)}: the node stays in the graph as a waypoint but is never returned).
 * When the headroom is used up, {@code HnswIndex.resize} grows the graph; it swaps hnswlib's node
 * array and visited-set pool, which a running search must not see half-way, so resizes take the
 * write side of a read-write lock that every search holds for reading (uncontended except during
 * a resize). The vectors live in a {@link RowStore} beside the graph: the row is appended before
 * the node enters the graph, and a search reads the rows after the graph answered, so every
 * ordinal it gets back has its row.
 *
 * <p>Thread-safety: concurrent searches are safe, also during live writes (one writer at a time).
 * hnswlib pools one visited-set per available processor and blocks a search when more run at once
 * than there are processors.
 */
final class HnswItemIndex extends RowStoreIndex {

    private static final System.Logger LOG = System.getLogger(HnswItemIndex.class.getName());

    private final HnswIndex<Integer, float[], HnswItem, Float> graph;
    private final Vectors vectors;
    private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
    private final IndexParams params;
    private final boolean prebuilt;

    private HnswItemIndex(HnswIndex<Integer, float[], HnswItem, Float> graph, Vectors vectors,
                          DotKernel kernel, IndexParams params, boolean prebuilt) {
        super(new RowStore(vectors), kernel);
        this.graph = graph;
        this.vectors = vectors;
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

    /** Whether the graph was read from a prebuilt {@code index.hnsw} rather than built here. */
    boolean prebuilt() {
        return prebuilt;
    }

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        List<com.github.jelmerk.knn.SearchResult<HnswItem, Float>> found;
        resizeLock.readLock().lock();
        try {
            // findNearest uses max(ef, k) candidates itself; never call setEf per request.
            found = graph.findNearest(query, k);
        } finally {
            resizeLock.readLock().unlock();
        }
        RowStore.State s = rows.state(); // read after the graph answered: every ordinal found has its row
        int n = Math.min(k, found.size());
        if (n == 0) {
            return SearchResult.EMPTY;
        }
        TopK top = new TopK(n);
        float[] data = s.data();
        int dim = vectors.dim();
        for (int i = 0; i < n; i++) {
            int ordinal = found.get(i).item().id();
            if (s.isRemoved(ordinal)) continue; // removed between the graph's answer and now
            top.offer(kernel.dot(data, ordinal * dim, query, dim), ordinal);
        }
        return top.size() == 0 ? SearchResult.EMPTY : top.drain();
    }

    @Override
    public void add(int ordinal, float[] vector) {
        appendRow(ordinal, vector);
        HnswItem node = new HnswItem(ordinal, vector.clone());
        try {
            graph.add(node);
        } catch (SizeLimitExceededException full) {
            grow();
            graph.add(node);
        }
    }

    /** Resizes the graph by {@link #capacityFor} headroom; waits for running searches. */
    private void grow() {
        int capacity = capacityFor(graph.getMaxItemCount());
        resizeLock.writeLock().lock();
        try {
            graph.resize(capacity);
        } finally {
            resizeLock.writeLock().unlock();
        }
        LOG.log(Level.INFO, () -> "grew the HNSW index to a capacity of " + capacity + " items");
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
                + ", efConstruction=" + params.efConstruction() + ", ef=" + params.ef() + (prebuilt ? ", prebuilt" : "") + "]";
    }
}
