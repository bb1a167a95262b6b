package ai.mercury.index;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products with the JDK Vector API (fused multiply-add, widest species of the CPU). Only
 * loaded, by name, when {@code jdk.incubator.vector} is in the boot layer: see {@link DotKernels}.
 */
final class VectorDotKernel implements DotKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    @Override
    public String name() {
        return "vector-" + SPECIES.vectorBitSize();
    }

    @Override
    public void dots(float[] data, int dim, int first, int rows, float[] query, float[] out) {
        int lanes = SPECIES.length();
        int bound = SPECIES.loopBound(dim);
        int offset = first * dim;
        int r = 0;
        if (bound == dim && dim <= 4 * lanes) {
            // Common embedding widths (64 = 4 x 16 lanes on AVX-512): hold the query in registers
            // and score two rows per iteration.
            for (; r + 1 < rows; r += 2, offset += 2 * dim) {
                FloatVector a0 = FloatVector.zero(SPECIES);
                FloatVector a1 = FloatVector.zero(SPECIES);
                for (int j = 0; j < dim; j += lanes) {
                    FloatVector q = FloatVector.fromArray(SPECIES, query, j);
                    a0 = FloatVector.fromArray(SPECIES, data, offset + j).fma(q, a0);
                    a1 = FloatVector.fromArray(SPECIES, data, offset + dim + j).fma(q, a1);
                }
                out[r] = a0.reduceLanes(VectorOperators.ADD);
                out[r + 1] = a1.reduceLanes(VectorOperators.ADD);
            }
        }
        for (; r < rows; r++, offset += dim) {
            out[r] = dot(data, offset, query, dim);
        }
    }

    @Override
    public float dot(float[] data, int offset, float[] query, int dim) {
        int lanes = SPECIES.length();
        int bound = SPECIES.loopBound(dim);
        FloatVector acc = FloatVector.zero(SPECIES);
        int j = 0;
        for (; j < bound; j += lanes) {
            acc = FloatVector.fromArray(SPECIES, data, offset + j)
                    .fma(FloatVector.fromArray(SPECIES, query, j), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; j < dim; j++) {
            sum = Math.fma(data[offset + j], query[j], sum);
        }
        return sum;
    }
}
