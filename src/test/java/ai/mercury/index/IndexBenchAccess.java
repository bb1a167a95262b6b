package ai.mercury.index;

/**
 * The door from the bench probes ({@code ai.mercury.bench.HnswSearchProbe}) into this package's
 * package-private HNSW classes, kept in the test tree so that src/main widens nothing for them.
 * Stateless; safe from any thread.
 */
public final class IndexBenchAccess {
    private IndexBenchAccess() {
    }

    /** An HNSW index built as the server builds one, with the hnswlib graph it was copied from (for comparison). */
    public static BuiltHnsw buildHnsw(Vectors items, IndexParams params, int threads) {
        var graph = HnswlibBuild.graph(items, params, threads);
        return new BuiltHnsw(HnswItemIndex.ofVerified(HnswlibBuild.layersOf(graph, params.m(), items.count()), items, params), graph);
    }

    /** Our index and the hnswlib graph it was built from. */
    public record BuiltHnsw(ItemIndex index, com.github.jelmerk.knn.hnsw.HnswIndex<Integer, float[], HnswItem, Float> graph) {
        /** Ordinals of hnswlib's own {@code findNearest} over the same graph, for comparison with our search. */
        public int[] hnswlibSearch(float[] query, int k) {
            var found = graph.findNearest(query, k);
            int[] ordinals = new int[found.size()];
            for (int i = 0; i < ordinals.length; i++) ordinals[i] = found.get(i).item().id();
            return ordinals;
        }
    }

    /**
     * Converts a format-1 {@code index.hnsw} (a 32-byte Mercury header, two UTF strings, then hnswlib's
     * Java serialization) to format 2 over the very same links, for the format A/B.
     */
    @SuppressWarnings("unchecked")
    public static void convertFormat1(java.nio.file.Path format1, Vectors vectors, IndexParams params, java.nio.file.Path format2)
            throws Exception {
        com.github.jelmerk.knn.hnsw.HnswIndex<Integer, float[], HnswItem, Float> graph;
        try (var in = new java.io.DataInputStream(new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(format1), 1 << 16))) {
            in.readFully(new byte[8]);
            for (int i = 0; i < 6; i++) in.readInt();
            in.readUTF();
            in.readUTF();
            graph = (com.github.jelmerk.knn.hnsw.HnswIndex<Integer, float[], HnswItem, Float>) (com.github.jelmerk.knn.hnsw.HnswIndex<?, ?, ?, ?>)
                    com.github.jelmerk.knn.hnsw.HnswIndex.load(in);
        }
        HnswLayers layers = HnswlibBuild.layersOf(graph, params.m(), HnswItemIndex.capacityFor(vectors.count()));
        HnswIndexFile.write(HnswItemIndex.ofVerified(layers, vectors, params), format2);
    }

    /** Name of the dot kernel the indexes use on this JVM (the Vector API one, or the scalar fallback). */
    public static String kernelName() {
        return DotKernels.best().name();
    }
}
