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
        // Two independent accumulators: one FMA chain waits on its previous result (4-5 cycles),
        // two chains keep the FMA unit busy; measured in docs/bench/index-search.md (HNSW search).
        FloatVector acc2 = FloatVector.zero(SPECIES);
        for (int bound2 = bound - lanes; j < bound2; j += 2 * lanes) {
            acc = FloatVector.fromArray(SPECIES, data, offset + j)
                    .fma(FloatVector.fromArray(SPECIES, query, j), acc);
            acc2 = FloatVector.fromArray(SPECIES, data, offset + j + lanes)
                    .fma(FloatVector.fromArray(SPECIES, query, j + lanes), acc2);
        }
        for (; j < bound; j += lanes) {
            acc = FloatVector.fromArray(SPECIES, data, offset + j)
                    .fma(FloatVector.fromArray(SPECIES, query, j), acc);
        }
        float sum = acc.add(acc2).reduceLanes(VectorOperators.ADD);
        for (; j < dim; j++) {
            sum = Math.fma(data[offset + j], query[j], sum);
        }
        return sum;
    }

    /** Rows per interleaved block: four registers' worth, so a block is read strictly sequentially. */
    @Override
    public int lanes() {
        return 4 * SPECIES.length();
    }

    @Override
    public void dotsInterleaved(float[] t, int dim, int firstBlock, int blocks, float[] query, float[] out) {
        int lanes = SPECIES.length();
        int width = 4 * lanes;
        int off = firstBlock * dim * width;
        int evenDim = dim & ~1;
        // One block = four registers of rows; even and odd components go to separate accumulators,
        // so eight independent FMA chains keep both FMA pipes busy while the block streams in order.
        for (int b = 0, o = 0; b < blocks; b++, o += width) {
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES), a3 = FloatVector.zero(SPECIES);
            FloatVector c0 = FloatVector.zero(SPECIES), c1 = FloatVector.zero(SPECIES);
            FloatVector c2 = FloatVector.zero(SPECIES), c3 = FloatVector.zero(SPECIES);
            for (int d = 0; d < evenDim; d += 2, off += 2 * width) {
                FloatVector q0 = FloatVector.broadcast(SPECIES, query[d]);
                FloatVector q1 = FloatVector.broadcast(SPECIES, query[d + 1]);
                a0 = FloatVector.fromArray(SPECIES, t, off).fma(q0, a0);
                a1 = FloatVector.fromArray(SPECIES, t, off + lanes).fma(q0, a1);
                a2 = FloatVector.fromArray(SPECIES, t, off + 2 * lanes).fma(q0, a2);
                a3 = FloatVector.fromArray(SPECIES, t, off + 3 * lanes).fma(q0, a3);
                c0 = FloatVector.fromArray(SPECIES, t, off + width).fma(q1, c0);
                c1 = FloatVector.fromArray(SPECIES, t, off + width + lanes).fma(q1, c1);
                c2 = FloatVector.fromArray(SPECIES, t, off + width + 2 * lanes).fma(q1, c2);
                c3 = FloatVector.fromArray(SPECIES, t, off + width + 3 * lanes).fma(q1, c3);
            }
            if (evenDim < dim) {
                FloatVector q0 = FloatVector.broadcast(SPECIES, query[evenDim]);
                a0 = FloatVector.fromArray(SPECIES, t, off).fma(q0, a0);
                a1 = FloatVector.fromArray(SPECIES, t, off + lanes).fma(q0, a1);
                a2 = FloatVector.fromArray(SPECIES, t, off + 2 * lanes).fma(q0, a2);
                a3 = FloatVector.fromArray(SPECIES, t, off + 3 * lanes).fma(q0, a3);
                off += width;
            }
            a0.add(c0).intoArray(out, o);
            a1.add(c1).intoArray(out, o + lanes);
            a2.add(c2).intoArray(out, o + 2 * lanes);
            a3.add(c3).intoArray(out, o + 3 * lanes);
        }
    }
}
