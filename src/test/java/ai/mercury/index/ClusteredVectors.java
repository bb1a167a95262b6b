package ai.mercury.index;

import java.util.Random;

/**
 * Seeded synthetic embeddings that cluster like real ones: {@code clusters} centres drawn
 * uniformly on the unit sphere; each vector is a centre plus Gaussian noise of standard deviation
 * {@code noise} per component, renormalised to unit length. With 64 dimensions and noise 0.1 a
 * vector's cosine to its centre is about 0.78. Queries are fresh draws from the same mixture.
 * (Uniformly random vectors are the worst case for ANN search and no catalog looks like that.)
 */
public final class ClusteredVectors {

    public static final int DEFAULT_CLUSTERS = 200;
    public static final double DEFAULT_NOISE = 0.1;

    private final int dim;
    private final double noise;
    private final float[][] centres;

    public ClusteredVectors(int dim, int clusters, double noise, long seed) {
        this.dim = dim;
        this.noise = noise;
        Random rnd = new Random(seed);
        this.centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            float[] v = new float[dim];
            for (int j = 0; j < dim; j++) {
                v[j] = (float) rnd.nextGaussian();
            }
            centres[c] = normalise(v);
        }
    }

    public ClusteredVectors(int dim, long seed) {
        this(dim, DEFAULT_CLUSTERS, DEFAULT_NOISE, seed);
    }

    /** {@code count} items, deterministic for a given seed. */
    public Vectors items(int count, long seed) {
        Random rnd = new Random(seed);
        float[] data = new float[count * dim];
        float[] v = new float[dim];
        for (int i = 0; i < count; i++) {
            draw(rnd, v);
            System.arraycopy(v, 0, data, i * dim, dim);
        }
        return new Vectors(count, dim, data);
    }

    /** {@code count} query vectors from the same distribution, deterministic for a given seed. */
    public float[][] queries(int count, long seed) {
        Random rnd = new Random(seed);
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            out[i] = draw(rnd, new float[dim]);
        }
        return out;
    }

    private float[] draw(Random rnd, float[] v) {
        float[] c = centres[rnd.nextInt(centres.length)];
        for (int j = 0; j < dim; j++) {
            v[j] = (float) (c[j] + noise * rnd.nextGaussian());
        }
        return normalise(v);
    }

    static float[] normalise(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        float inv = (float) (1 / Math.sqrt(n));
        for (int j = 0; j < v.length; j++) {
            v[j] *= inv;
        }
        return v;
    }

    /**
     * Mean recall@k of {@code approx} against {@code exact} over {@code queries}: the fraction of
     * the exact top-k ordinals that the approximate top-k also returns.
     */
    public static double recall(ItemIndex approx, ItemIndex exact, float[][] queries, int k) {
        long hits = 0;
        long total = 0;
        for (float[] q : queries) {
            SearchResult truth = exact.search(q, k);
            SearchResult got = approx.search(q, k);
            java.util.BitSet want = new java.util.BitSet();
            for (int o : truth.ordinals()) {
                want.set(o);
            }
            for (int o : got.ordinals()) {
                if (want.get(o)) {
                    hits++;
                }
            }
            total += truth.size();
        }
        return total == 0 ? 1.0 : (double) hits / total;
    }
}
