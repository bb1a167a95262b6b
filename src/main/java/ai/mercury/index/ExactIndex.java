package ai.mercury.index;

/**
 * Brute-force top-k: scores every row with a {@link DotKernel} and keeps the best in a
 * {@link TopK} heap. Immutable and thread-safe; each search allocates only its heap and one small
 * block buffer.
 *
 * <p>By default the index keeps its own <em>interleaved</em> copy of the matrix (blocks of
 * {@link DotKernel#lanes()} rows stored component by component, the last block zero-padded), so
 * that one vector register scores a whole block of rows with one fused multiply-add per
 * component and no horizontal sum per row: about 5× faster than row-wise dot products at 128
 * dimensions (docs/bench/hot-path.md). The copy costs as much memory as the vectors themselves,
 * which is small wherever exact search is used (below {@code index.exact_below} items). The
 * row-wise layout (reading {@code vectors.data()} directly, no copy) remains for comparison:
 * {@code ItemIndexes.exact} uses it when the system property {@code mercury.index.exact.layout}
 * is {@code rows}.
 */
final class ExactIndex implements ItemIndex {

    /** Rows scored per kernel call: large enough to amortise the call, small enough for L1. */
    static final int BLOCK_ROWS = 256;

    private final Vectors vectors;
    private final DotKernel kernel;
    /** The interleaved copy, or null for the row-wise layout. */
    private final float[] interleaved;
    private final int lanes;

    /** An index with the interleaved layout. */
    ExactIndex(Vectors vectors, DotKernel kernel) {
        this(vectors, kernel, true);
    }

    ExactIndex(Vectors vectors, DotKernel kernel, boolean interleave) {
        this.vectors = vectors;
        this.kernel = kernel;
        this.lanes = kernel.lanes();
        this.interleaved = interleave ? interleave(vectors, lanes) : null;
    }

    /** The block-transposed copy described in {@link DotKernel#dotsInterleaved}. */
    static float[] interleave(Vectors v, int lanes) {
        int dim = v.dim();
        int blocks = (v.count() + lanes - 1) / lanes;
        float[] t = new float[Math.multiplyExact(Math.multiplyExact(blocks, lanes), dim)];
        float[] data = v.data();
        for (int r = 0; r < v.count(); r++) {
            int b = r / lanes;
            int i = r - b * lanes;
            int src = r * dim;
            int dst = b * dim * lanes + i;
            for (int d = 0; d < dim; d++, dst += lanes) {
                t[dst] = data[src + d];
            }
        }
        return t;
    }

    @Override
    public String kind() {
        return IndexKind.EXACT.label();
    }

    @Override
    public int size() {
        return vectors.count();
    }

    @Override
    public int dimensions() {
        return vectors.dim();
    }

    DotKernel kernel() {
        return kernel;
    }

    boolean isInterleaved() {
        return interleaved != null;
    }

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        int count = vectors.count();
        if (count == 0) {
            return SearchResult.EMPTY;
        }
        TopK top = new TopK(Math.min(k, count));
        int dim = vectors.dim();
        if (interleaved != null) {
            // BLOCK_ROWS rounded to whole blocks of lanes
            int blocksPerCall = Math.max(1, BLOCK_ROWS / lanes);
            int totalBlocks = (count + lanes - 1) / lanes;
            float[] block = new float[blocksPerCall * lanes];
            for (int b = 0; b < totalBlocks; b += blocksPerCall) {
                int blocks = Math.min(blocksPerCall, totalBlocks - b);
                kernel.dotsInterleaved(interleaved, dim, b, blocks, query, block);
                int first = b * lanes;
                top.offerAscending(block, Math.min(blocks * lanes, count - first), first);
            }
            return top.drain();
        }
        float[] data = vectors.data();
        float[] block = new float[Math.min(BLOCK_ROWS, count)];
        for (int first = 0; first < count; first += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, count - first);
            kernel.dots(data, dim, first, rows, query, block);
            top.offerAscending(block, rows, first);
        }
        return top.drain();
    }

    @Override
    public String toString() {
        return "ExactIndex[" + vectors.count() + " x " + vectors.dim() + ", " + kernel.name()
                + (interleaved != null ? ", interleaved" : ", rows") + "]";
    }
}
