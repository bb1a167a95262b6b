package ai.mercury.index;

/**
 * Top-k maximum-inner-product search over item vectors addressed by ordinal (the row of
 * {@link Vectors} the index was built from).
 *
 * <p>Thread-safety: {@link #search} may be called from any number of threads at once. Searches
 * block on CPU; call them from worker threads, never from an event loop.
 *
 * <p>Ownership: whoever built the index (through {@link ItemIndexes}) closes it. Closing releases
 * nothing external today; it exists so that an index can later own off-heap or file resources.
 */
public interface ItemIndex extends AutoCloseable {

    /** {@code "hnsw"} or {@code "exact"}. */
    String kind();

    /** Number of searchable items. */
    int size();

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

    @Override
    default void close() {}
}
