package ai.mercury.index;

/** Plain Java dot products; the fallback when {@code jdk.incubator.vector} is not in the boot layer. */
final class ScalarDotKernel implements DotKernel {

    static final ScalarDotKernel INSTANCE = new ScalarDotKernel();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void dots(float[] data, int dim, int first, int rows, float[] query, float[] out) {
        int offset = first * dim;
        for (int r = 0; r < rows; r++, offset += dim) {
            out[r] = dot(data, offset, query, dim);
        }
    }

    @Override
    public float dot(float[] data, int offset, float[] query, int dim) {
        // Four independent accumulators break the add dependency chain.
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < dim; j += 4) {
            s0 += data[offset + j] * query[j];
            s1 += data[offset + j + 1] * query[j + 1];
            s2 += data[offset + j + 2] * query[j + 2];
            s3 += data[offset + j + 3] * query[j + 3];
        }
        for (; j < dim; j++) {
            s0 += data[offset + j] * query[j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
