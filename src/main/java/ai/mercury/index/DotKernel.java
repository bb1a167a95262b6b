package ai.mercury.index;

/**
 * Dot products of one query with a block of rows of a row-major matrix. Implementations are
 * stateless and thread-safe.
 */
interface DotKernel {

    /** Short name for logs and benchmarks. */
    String name();

    /** {@code out[i] = dot(data[(first + i) * dim ..], query)} for {@code i} in {@code [0, rows)}. */
    void dots(float[] data, int dim, int first, int rows, float[] query, float[] out);

    /** Dot product of {@code query} with the row that starts at {@code offset} in {@code data}. */
    float dot(float[] data, int offset, float[] query, int dim);
}
