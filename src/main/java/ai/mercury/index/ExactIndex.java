package ai.mercury.index;

import java.util.function.IntPredicate;

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
final class ExactIndex implements ItemIndex {

    /** Rows scored per kernel call: large enough to amortise the call, small enough for L1. */
    static final int BLOCK_ROWS = 256;

    private final RowStore rows;
    private final DotKernel kernel;

    /** An index with the interleaved layout. */
    ExactIndex(Vectors vectors, DotKernel kernel) {
        this(vectors, kernel, true);
    }

    ExactIndex(Vectors vectors, DotKernel kernel, boolean interleave) {
        this.rows = new RowStore(vectors, interleave ? kernel.lanes() : 0);
        this.kernel = kernel;
    }

    @Override
    public String kind() {
        return IndexKind.EXACT.label();
    }

    @Override
    public int size() {
        RowStore.State s = rows.state();
        return s.count() - s.removedCount();
    }

    @Override
    public int ordinalLimit() {
        return rows.state().count();
    }

    @Override
    public int removedCount() {
        return rows.state().removedCount();
    }

    @Override
    public int dimensions() {
        return rows.dim();
    }

    DotKernel kernel() {
        return kernel;
    }

    boolean isInterleaved() {
        return rows.state().interleaved() != null;
    }

    @Override
    public SearchResult search(float[] query, int k) {
        return rows.topK(rows.state(), kernel, query, k, null);
    }

    @Override
    public SearchResult scan(float[] query, int k, IntPredicate accept) {
        return rows.topK(rows.state(), kernel, query, k, accept);
    }

    @Override
    public float[] vector(int ordinal) {
        return rows.vector(ordinal);
    }

    @Override
    public void add(int ordinal, float[] vector) {
        if (ordinal != ordinalLimit()) throw new IllegalArgumentException("next ordinal is " + ordinalLimit() + ", got " + ordinal);
        rows.append(vector);
    }

    @Override
    public boolean remove(int ordinal) {
        return rows.remove(ordinal);
    }

    @Override
    public String toString() {
        RowStore.State s = rows.state();
        return "ExactIndex[" + (s.count() - s.removedCount()) + " x " + rows.dim() + ", " + kernel.name()
                + (s.interleaved() != null ? ", interleaved" : ", rows") + "]";
    }
}
