package ai.mercury.index;

/**
 * The door from the bench probes ({@code ai.mercury.bench.HnswSearchProbe}) into this package's
 * package-private HNSW classes, kept in the test tree so that src/main widens nothing for them.
 * Stateless; safe from any thread.
 */
public final class IndexBenchAccess {
    private IndexBenchAccess() {
    }

    /** An HNSW index built as the server builds one (hnswlib graph, then {@link HnswLayers}). */
    public static ItemIndex buildHnsw(Vectors items, IndexParams params, int threads) {
        return HnswItemIndex.build(items, params, threads);
    }

    /** Ordinals of hnswlib's own {@code findNearest} over the graph of {@code hnsw}, for comparison with our search. */
    public static int[] hnswlibSearch(ItemIndex hnsw, float[] query, int k) {
        var found = ((HnswItemIndex) hnsw).graph().findNearest(query, k);
        int[] ordinals = new int[found.size()];
        for (int i = 0; i < ordinals.length; i++) ordinals[i] = found.get(i).item().id();
        return ordinals;
    }

    /** Name of the dot kernel the indexes use on this JVM (the Vector API one, or the scalar fallback). */
    public static String kernelName() {
        return DotKernels.best().name();
    }
}
