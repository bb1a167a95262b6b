package ai.mercury.index;

import java.util.function.IntPredicate;

/**
 * What both index kinds do alike because their rows live in a {@link RowStore}: the counts,
 * vector lookups, the exact filtered scan and the soft delete of a row. Subclasses add their
 * search and, where they keep more than the rows (the HNSW graph), their own add and remove.
 */
abstract class RowStoreIndex implements ItemIndex {
    final RowStore rows;
    final DotKernel kernel;

    RowStoreIndex(RowStore rows, DotKernel kernel) {
        this.rows = rows;
        this.kernel = kernel;
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

    @Override
    public SearchResult scan(float[] query, int k, IntPredicate accept) {
        return rows.topK(rows.state(), kernel, query, k, accept);
    }

    @Override
    public float[] vector(int ordinal) {
        return rows.vector(ordinal);
    }

    @Override
    public float score(float[] query, int ordinal) {
        RowStore.State s = rows.state();
        if (ordinal < 0 || ordinal >= s.count() || s.isRemoved(ordinal) || query.length != rows.dim()) return Float.NaN;
        return kernel.dot(s.data(), ordinal * rows.dim(), query, rows.dim());
    }

    /** Appends the row at {@code ordinal}, which must be the next one. */
    void appendRow(int ordinal, float[] vector) {
        if (ordinal != ordinalLimit()) throw new IllegalArgumentException("next ordinal is " + ordinalLimit() + ", got " + ordinal);
        rows.append(vector);
    }

    @Override
    public boolean remove(int ordinal) {
        return rows.remove(ordinal);
    }
}
