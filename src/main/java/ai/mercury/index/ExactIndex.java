package ai.mercury.index;

/**
 * Brute-force top-k: scores every live row with a {@link DotKernel} and keeps the best in a
 * {@link TopK} heap. Thread-safe; each search allocates only its heap and one small block buffer.
 * Live adds and removes go to the {@link RowStore}.
 *
 * <p>By default the index keeps its own <em>interleaved</em> copy of the matrix (blocks of
 * {@link DotKernel#lanes()} rows stored component by component, the last block zero-padded), so
 * that one vector register scores a whole block of rows with one fused multiply-add per
 * component and no horizontal sum per row (docs/bench/hot-path.md). The copy costs as much memory
 * as the vectors themselves, which is small wherever exact search is used (below
 * {@code index.exact_below} items). The row-wise layout (no copy) remains for comparison:
 * {@code ItemIndexes.exact} uses it when the system property {@code mercury.index.exact.layout}
 * is {@code rows}.
 */
final class ExactIndex extends RowStoreIndex {

    /** Rows scored per kernel call: large enough to amortise the call, small enough for L1. */
    static final int BLOCK_ROWS = 256;

    /** An index with the interleaved layout. */
    ExactIndex(Vectors vectors, DotKernel kernel) {
        this(vectors, kernel, true);
    }

    ExactIndex(Vectors vectors, DotKernel kernel, boolean interleave) {
        super(new RowStore(vectors, interleave ? kernel.lanes() : 0), kernel);
    }

    @Override
    public String kind() {
        return IndexKind.EXACT.label();
    }

    @Override
    public SearchResult search(float[] query, int k) {
        return rows.topK(rows.state(), kernel, query, k, null);
    }

    @Override
    public void add(int ordinal, float[] vector) {
        appendRow(ordinal, vector);
    }

    @Override
    public String toString() {
        RowStore.State s = rows.state();
        return "ExactIndex[" + (s.count() - s.removedCount()) + " x " + rows.dim() + ", " + kernel.name()
                + (s.interleaved() != null ? ", interleaved" : ", rows") + "]";
    }
}
