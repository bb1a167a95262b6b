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

    /** Rows per interleaved block: wide enough for the JIT's auto-vectorisation of the inner loop. */
    static final int LANES = 8;

    @Override
    public int lanes() {
        return LANES;
    }

    @Override
    public void dotsInterleaved(float[] t, int dim, int firstBlock, int blocks, float[] query, float[] out) {
        int stride = dim * LANES;
        java.util.Arrays.fill(out, 0, blocks * LANES, 0f);
        for (int b = 0, base = firstBlock * stride; b < blocks; b++, base += stride) {
            int o = b * LANES;
            for (int d = 0, off = base; d < dim; d++, off += LANES) {
                float q = query[d];
                for (int i = 0; i < LANES; i++) {
                    out[o + i] += t[off + i] * q;
                }
            }
        }
    }
}
