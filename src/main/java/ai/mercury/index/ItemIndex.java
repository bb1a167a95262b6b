package ai.mercury.index;

import java.util.function.IntPredicate;

/**
 * Top-k maximum-inner-product search over item vectors addressed by ordinal (the row of
 * {@link Vectors} the index was built from, then the live items appended after it).
 *
 * <p>Live items (issue 6): {@link #add} appends a vector at the next ordinal and {@link #remove}
 * soft-deletes one; a removed ordinal is never returned again and its slot is not reused (a
 * rebuild compacts them away). A replaced item is a remove plus an add under a new ordinal.
 *
 * <p>Thread-safety: {@link #search} and {@link #scan} may be called from any number of threads at
 * once, also while a writer adds or removes. Writes must come from one thread at a time (the live
 * item writer serialises them). Searches block on CPU; call them from worker threads, never from
 * an event loop.
 *
 * <p>Ownership: whoever built the index (through {@link ItemIndexes}) closes it. Closing releases
 * nothing external today; it exists so that an index can later own off-heap or file resources.
 */
public interface ItemIndex extends AutoCloseable {

    /** {@code "hnsw"} or {@code "exact"}. */
    String kind();

    /** Number of searchable items (added and not removed). */
    int size();

    /** One past the highest ordinal ever added: the next {@link #add} must use this ordinal. */
    int ordinalLimit();

    /** Number of ordinals removed since the index was built. */
    int removedCount();

    /** Length of every item vector and of every query. */
    int dimensions();

    /**
     * The items with the largest dot product with {@code query}, best first; ties are broken by
     * lower ordinal. Returns at most {@code min(k, size())} results (exactly that many for the
     * exact index; the HNSW index returns fewer only if its graph cannot reach that many items).
     *
     * @throws IllegalArgumentException if {@code query.length != dimensions()} or {@code k < 1}
     */
    SearchResult search(float[] query, int k);

    /**
     * An exact full scan over the live ordinals that {@code accept} admits: the best {@code k} by
     * dot product, ties by lower ordinal. The last resort of a heavily filtered request.
     */
    SearchResult scan(float[] query, int k, IntPredicate accept);

    /** A copy of the vector at {@code ordinal}, or null when it was never added or was removed. */
    float[] vector(int ordinal);

    /**
     * The dot product of {@code query} with the vector at {@code ordinal}, without copying it; NaN when
     * the ordinal was never added or was removed. (The hybrid scores its extra candidates with it.)
     */
    default float score(float[] query, int ordinal) {
        float[] v = vector(ordinal);
        if (v == null) return Float.NaN;
        float s = 0;
        for (int d = 0; d < v.length; d++) s += v[d] * query[d];
        return s;
    }

    /**
     * Appends {@code vector} at {@code ordinal}, which must equal {@link #ordinalLimit()}. Grows
     * the index when it is full. One writer at a time.
     */
    void add(int ordinal, float[] vector);

    /** Soft-deletes {@code ordinal}; false when it was not live. One writer at a time. */
    boolean remove(int ordinal);

    @Override
    default void close() {}
}
