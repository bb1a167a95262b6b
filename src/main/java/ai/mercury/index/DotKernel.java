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

    /** Rows per block of the interleaved layout that {@link #dotsInterleaved} reads. */
    int lanes();

    /**
     * Dot products over an interleaved ("block-transposed") matrix: block {@code b} holds
     * {@code lanes()} rows component by component, element {@code (b * dim + d) * lanes() + i}
     * being component {@code d} of row {@code b * lanes() + i}. Writes
     * {@code out[j * lanes() + i]} for blocks {@code firstBlock + j}, {@code j < blocks}. A whole
     * block is scored per vector register, so no horizontal reduction per row is needed.
     */
    void dotsInterleaved(float[] t, int dim, int firstBlock, int blocks, float[] query, float[] out);
}
