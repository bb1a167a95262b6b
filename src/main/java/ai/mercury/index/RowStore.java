package ai.mercury.index;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The item vectors behind an index, growable for live items: a row-major matrix whose first rows
 * are the bundle's (shared, never copied until the first append) plus a bitset of removed rows.
 *
 * <p>Concurrency: one writer, any number of readers, no locks. Everything a reader needs is in
 * one immutable-by-convention {@link State} published through a volatile field: the writer fills
 * a row beyond the published count (which no reader looks at) or copies into a larger array, and
 * only then publishes a new state, so a reader sees either the old or the new rows, never a
 * half-written one. The removed bitset is copied on write: removals are rare and bounded by the
 * compaction threshold.
 *
 * <p>Optionally it also keeps an <em>interleaved</em> copy for the exact index's kernel (blocks of
 * {@link DotKernel#lanes()} rows stored component by component, see
 * {@link DotKernel#dotsInterleaved}). An appended row is written into its block's lane before
 * the count that covers it is published; readers score whole blocks but only offer rows below
 * their count, so a lane being filled is never read as a result.
 */
final class RowStore {

    /** The published view: rows {@code [0, count)} of {@code data}, minus the {@code removed} bits. */
    record State(float[] data, float[] interleaved, int count, long[] removed, int removedCount) {
        boolean isRemoved(int row) {
            int word = row >>> 6;
            return word < removed.length && (removed[word] & (1L << row)) != 0;
        }
    }

    private final int dim;
    private final int lanes; // of the interleaved copy; 0 without one
    private volatile State state;

    /** Rows without an interleaved copy (the HNSW index's, and the exact index's row layout). */
    RowStore(Vectors base) {
        this(base, 0);
    }

    /** With {@code lanes > 0}, also an interleaved copy in blocks of {@code lanes} rows. */
    RowStore(Vectors base, int lanes) {
        this.dim = base.dim();
        this.lanes = lanes;
        this.state = new State(base.data(), lanes > 0 ? interleave(base, lanes) : null, base.count(), new long[0], 0);
    }

    /** The block-transposed copy described in {@link DotKernel#dotsInterleaved} (last block zero-padded). */
    static float[] interleave(Vectors v, int lanes) {
        int dim = v.dim();
        int blocks = (v.count() + lanes - 1) / lanes;
        float[] t = new float[Math.multiplyExact(Math.multiplyExact(blocks, lanes), dim)];
        float[] data = v.data();
        for (int r = 0; r < v.count(); r++) writeLane(t, r, data, r * dim, dim, lanes);
        return t;
    }

    private static void writeLane(float[] t, int row, float[] src, int offset, int dim, int lanes) {
        int b = row / lanes;
        int dst = b * dim * lanes + (row - b * lanes);
        for (int d = 0; d < dim; d++, dst += lanes) t[dst] = src[offset + d];
    }

    int dim() {
        return dim;
    }

    State state() {
        return state;
    }

    /** Appends one row at ordinal {@code state().count()}; returns that ordinal. One writer. */
    int append(float[] vector) {
        if (vector.length != dim) {
            throw new IllegalArgumentException("vector has " + vector.length + " dimensions, the index has " + dim);
        }
        State s = state;
        int row = s.count;
        float[] data = s.data;
        if ((long) (row + 1) * dim > data.length) {
            long rows = (long) row + Math.max(1024, row / 4);
            if (rows * dim > Integer.MAX_VALUE - 8) throw new IllegalStateException("the index cannot grow beyond " + row + " rows");
            data = Arrays.copyOf(data, (int) (rows * dim));
        }
        System.arraycopy(vector, 0, data, row * dim, dim);
        float[] t = s.interleaved;
        if (t != null) {
            int blocks = row / lanes + 1;
            if ((long) blocks * lanes * dim > t.length) t = Arrays.copyOf(t, Math.multiplyExact(data.length / dim / lanes + 1, lanes * dim));
            writeLane(t, row, vector, 0, dim, lanes);
        }
        state = new State(data, t, row + 1, s.removed, s.removedCount);
        return row;
    }

    /** Marks {@code row} removed; false when it is out of range or already removed. One writer. */
    boolean remove(int row) {
        State s = state;
        if (row < 0 || row >= s.count || s.isRemoved(row)) return false;
        long[] removed = Arrays.copyOf(s.removed, Math.max(s.removed.length, (row >>> 6) + 1));
        removed[row >>> 6] |= 1L << row;
        state = new State(s.data, s.interleaved, s.count, removed, s.removedCount + 1);
        return true;
    }

    float[] vector(int row) {
        State s = state;
        if (row < 0 || row >= s.count || s.isRemoved(row)) return null;
        return Arrays.copyOfRange(s.data, row * dim, (row + 1) * dim);
    }

    /**
     * Exact top-k over the live rows of {@code s} that {@code accept} admits (null admits all), in
     * blocks of {@link ExactIndex#BLOCK_ROWS}; removed and rejected rows score minus infinity and
     * are dropped from the result.
     */
    SearchResult topK(State s, DotKernel kernel, float[] query, int k, IntPredicate accept) {
        Searches.check(query, k, dim);
        int count = s.count;
        int live = count - s.removedCount;
        if (live <= 0) return SearchResult.EMPTY;
        boolean masked = s.removedCount > 0 || accept != null;
        TopK top = new TopK(Math.min(k, live));
        boolean interleaved = s.interleaved != null;
        // Rows per kernel call, whole blocks of lanes for the interleaved layout.
        int chunk = interleaved ? Math.max(1, ExactIndex.BLOCK_ROWS / lanes) * lanes : ExactIndex.BLOCK_ROWS;
        float[] block = new float[interleaved ? chunk : Math.min(chunk, count)];
        for (int first = 0; first < count; first += chunk) {
            int rows = Math.min(chunk, count - first);
            if (interleaved) {
                kernel.dotsInterleaved(s.interleaved, dim, first / lanes, (rows + lanes - 1) / lanes, query, block);
            } else {
                kernel.dots(s.data, dim, first, rows, query, block);
            }
            if (masked) {
                for (int i = 0; i < rows; i++) {
                    int row = first + i;
                    if (s.isRemoved(row) || (accept != null && !accept.test(row))) block[i] = Float.NEGATIVE_INFINITY;
                }
            }
            top.offerAscending(block, rows, first);
        }
        SearchResult r = top.drain();
        return masked ? dropMasked(r) : r;
    }

    /** Drops the minus-infinity tail that masked rows leave when fewer than k rows qualify. */
    private static SearchResult dropMasked(SearchResult r) {
        int n = r.size();
        while (n > 0 && r.scores()[n - 1] == Float.NEGATIVE_INFINITY) n--;
        return n == r.size() ? r : new SearchResult(Arrays.copyOf(r.ordinals(), n), Arrays.copyOf(r.scores(), n));
    }
}
