package ai.mercury.index;

/**
 * Brute-force top-k: scores every row of the contiguous row-major matrix in blocks with a
 * {@link DotKernel} and keeps the best in a {@link TopK} heap. Immutable and thread-safe; each
 * search allocates only its heap and one small block buffer.
 */
final class ExactIndex implements ItemIndex {

    /** Rows scored per kernel call: large enough to amortise the call, small enough for L1. */
    static final int BLOCK_ROWS = 256;

    private final Vectors vectors;
    private final DotKernel kernel;

    ExactIndex(Vectors vectors, DotKernel kernel) {
        this.vectors = vectors;
        this.kernel = kernel;
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

    @Override
    public SearchResult search(float[] query, int k) {
        Searches.check(query, k, vectors.dim());
        int count = vectors.count();
        if (count == 0) {
            return SearchResult.EMPTY;
        }
        TopK top = new TopK(Math.min(k, count));
        float[] data = vectors.data();
        int dim = vectors.dim();
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
        return "ExactIndex[" + vectors.count() + " x " + vectors.dim() + ", " + kernel.name() + "]";
    }
}
