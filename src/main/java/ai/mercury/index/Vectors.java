package ai.mercury.index;

import java.util.Arrays;

/**
 * A dense row-major float32 matrix of item vectors: row {@code i} is the vector of the item with
 * ordinal {@code i} in the catalog. Immutable by convention once shared: nobody writes to
 * {@link #data()} after construction, so instances are safe to share between threads. The one
 * writer is {@link ItemIndexes#inGraphOrder}, which permutes the rows of the matrix an HNSW index
 * was built over while the snapshot that owns both is being loaded, before anyone else reads it.
 */
public record Vectors(int count, int dim, float[] data) {

    public Vectors {
        if (count < 0 || dim <= 0) {
            throw new IllegalArgumentException("bad shape [" + count + ", " + dim + "]");
        }
        if ((long) count * dim != data.length) {
            throw new IllegalArgumentException(
                    "data holds " + data.length + " floats, shape [" + count + ", " + dim + "] needs " + (long) count * dim);
        }
    }

    /** A copy of row {@code i}. */
    public float[] row(int i) {
        return Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
    }

    /** Builds a matrix from rows that all have the same length. */
    public static Vectors ofRows(float[][] rows) {
        int dim = rows.length == 0 ? 1 : rows[0].length;
        float[] data = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dim) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + dim);
            }
            System.arraycopy(rows[i], 0, data, i * dim, dim);
        }
        return new Vectors(rows.length, dim, data);
    }
}
