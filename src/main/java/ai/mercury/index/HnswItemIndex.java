package ai.mercury.index;

import java.lang.System.Logger.Level;

/**
 * Approximate top-k by inner product over an HNSW graph that Mercury owns: {@link HnswLayers}
 * (flat int arrays, searched with primitive heaps and the SIMD dot kernel). The graph comes from
 * a bulk build ({@link HnswlibBuild}: hnswlib links the rows, its links are copied once, hnswlib
 * is dropped) or from an {@code index.hnsw} file ({@link HnswIndexFile}, no hnswlib involved).
 *
 * <p><b>Plain rows, inner product.</b> The graph links the rows by dot product. The Euclidean
 * transform for inner-product search (one more component {@code sqrt(N^2 - |x|^2)} so all
 * rows share a norm; Bachrach et al., RecSys 2014) was tried and measured worse: recall@100 0.945
 * against 0.974 over rows whose norms vary 8x (HnswItemIndexTest), and no different over the
 * default model's rows, which all have norm sqrt 2.
 *
 * <p>Scores are the dot kernel's, identical to the exact index's; ties by lower ordinal.
 *
 * <p>Live items: the layers are allocated with headroom ({@link #capacityFor}); a live insert
 * appends the row to the {@link RowStore}, then {@link HnswInserter} links it (HNSW insertion
 * with the neighbour-selection heuristic); the layers grow when the headroom is used up. A delete
 * is a soft delete (the node stays a waypoint, never a result, and gets no new links).
 *
 * <p>Thread-safety: any number of concurrent searches, without locks, also during live writes
 * (one writer at a time).
 */
final class HnswItemIndex extends RowStoreIndex {

    private static final System.Logger LOG = System.getLogger(HnswItemIndex.class.getName());

    private final HnswLayers layers;
    private final HnswInserter inserter;
    private final Vectors vectors;
    private final IndexParams params;
    private final boolean prebuilt;

    private HnswItemIndex(HnswLayers layers, Vectors vectors, DotKernel kernel, IndexParams params, boolean prebuilt) {
        super(new RowStore(vectors), kernel);
        this.layers = layers;
        this.inserter = new HnswInserter(layers, params.m(), params.efConstruction());
        this.vectors = vectors;
        this.params = params;
        this.prebuilt = prebuilt;
    }

    /**
     * Wraps layers read from an {@code index.hnsw} file that {@link HnswIndexFile} has already
     * checked against {@code vectors} and {@code params}. Searches use {@code params.ef()}.
     */
    static HnswItemIndex ofVerified(HnswLayers layers, Vectors vectors, IndexParams params) {
        return new HnswItemIndex(layers, vectors, DotKernels.best(), params, true);
    }

    /** Capacity to allocate for {@code count} items: 25% headroom, at least 1024 spare slots. */
    static int capacityFor(int count) {
        long cap = (long) count + Math.max(1024, count / 4);
        return (int) Math.min(Integer.MAX_VALUE - 8, cap);
    }

    /** Bulk-builds the graph over {@code vectors} on {@code threads} threads (hnswlib, see {@link HnswlibBuild}). */
    static HnswItemIndex build(Vectors vectors, IndexParams params, int threads) {
        long start = System.nanoTime();
        HnswLayers layers = HnswlibBuild.build(vectors, params, threads, capacityFor(vectors.count()));
        long ms = (System.nanoTime() - start) / 1_000_000;
        LOG.log(Level.INFO, () -> String.format(
                "built HNSW index: %d items x %d dims, m=%d, efConstruction=%d, %d threads, %d ms",
                vectors.count(), vectors.dim(), params.m(), params.efConstruction(), threads, ms));
        return new HnswItemIndex(layers, vectors, DotKernels.best(), params, false);
    }

    @Override
    public String kind() {
        return IndexKind.HNSW.label();
    }

    IndexParams params() {
        return params;
    }

    /** The bundle's rows the graph was built over (live rows are not included). */
    Vectors vectors() {
        return vectors;
    }

    /** Whether the graph was read from a prebuilt {@code index.hnsw} rather than built here. */
    boolean prebuilt() {
        return prebuilt;
    }

    /**
     * Learns {@link QueryGuidedLinks} from {@code samples} (user vectors): each one's top
     * {@value QueryGuidedLinks#LIST_SIZE} by this index's own search at ef {@value #GUIDE_LIST_EF},
     * on every available processor, in {@value #GUIDE_PASSES} passes, then installs them for the following searches. Replaces
     * links of an earlier call. Call before the index serves, or from its single writer.
     */
    QueryGuidedLinks guide(float[][] samples) {
        int nodes = rows.state().count();
        QueryGuidedLinks links = null;
        for (int pass = 0; pass < GUIDE_PASSES; pass++) {
            links = QueryGuidedLinks.fromLists(nodes, resultLists(samples, nodes));
            layers.guide(links);
        }
        return links;
    }

    /**
     * Each sample's top {@value QueryGuidedLinks#LIST_SIZE} by the current search at ef
     * {@value #GUIDE_LIST_EF}, on every available processor, keeping ordinals below {@code nodes}.
     */
    private int[][] resultLists(float[][] samples, int nodes) {
        int[][] lists = new int[samples.length][];
        java.util.stream.IntStream.range(0, samples.length).parallel().forEach(i -> {
            Searches.check(samples[i], QueryGuidedLinks.LIST_SIZE, vectors.dim());
            int[] l = layers.search(rows, kernel, samples[i], QueryGuidedLinks.LIST_SIZE, GUIDE_LIST_EF).ordinals();
            int n = 0;
            for (int o : l) if (o < nodes) l[n++] = o;
            lists[i] = n == l.length ? l : java.util.Arrays.copyOf(l, n);
        });
        return lists;
    }

    /**
     * Two passes: the first pass's lists come from the unguided graph, whose recall can be poor
     * (0.64 at ef 400 over the 1M catalog), and links made from poor lists join the places where
     * such searches get stuck; the second pass remakes the lists with the first pass's links.
     */
    static final int GUIDE_PASSES = 2;

    /**
     * The ef of the searches that make the guide's lists: close to exact lists (recall@100 0.96
     * over the 100k catalog) at a tenth of an exact search's cost; exact lists gave recall 0.003
     * higher after guiding.
     */
    static final int GUIDE_LIST_EF = 400;

    /**
     * Renumbers this index's rows in place in {@link HnswLayers#breadthFirstOrder} (after the
     * guided links, which shape the order): the same graph, links and answers, but a search's
     * neighbours sit next to each other in memory. Returns {@code order}: the ordinal that became
     * {@code i} is {@code order[i]}. The rows move inside the array this index was built over
     * ({@link #vectors()}, shared with whoever passed it in), the links and the guided links with
     * them. Call before the index serves. Null, and nothing changed, when
     * the index has removed or added rows: only a freshly loaded or built index is renumbered.
     */
    int[] inGraphOrder() {
        RowStore.State s = rows.state();
        int n = s.count();
        if (s.removedCount() > 0 || n != vectors.count() || s.data() != vectors.data()) return null;
        int[] order = layers.breadthFirstOrder(n);
        int[] newId = Permutations.inverse(order);
        layers.renumber(order, newId);
        Permutations.permuteBlocks(vectors.data(), vectors.dim(), order);
        return order;
    }

    /** The searched copy of the links, for probes; never mutate. */
    HnswLayers layers() {
        return layers;
    }

    /** The installed guided links ({@link QueryGuidedLinks#NONE} before {@link #guide}). */
    QueryGuidedLinks guided() {
        return layers.guided();
    }

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        return layers.search(rows, kernel, query, k, params.ef());
    }

    @Override
    public void add(int ordinal, float[] vector) {
        appendRow(ordinal, vector);
        int before = layers.state().capacity();
        inserter.insert(rows.state(), vectors.dim(), kernel, ordinal, HnswItemIndex::capacityFor);
        int after = layers.state().capacity();
        if (after != before) LOG.log(Level.INFO, () -> "grew the HNSW index to a capacity of " + after + " items");
    }

    @Override
    public String toString() {
        return "HnswItemIndex[" + size() + " x " + vectors.dim() + ", m=" + params.m()
                + ", efConstruction=" + params.efConstruction() + ", ef=" + params.ef() + (prebuilt ? ", prebuilt" : "") + "]";
    }
}
