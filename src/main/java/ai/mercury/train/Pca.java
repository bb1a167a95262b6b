package ai.mercury.train;

import java.util.SplittableRandom;

/**
 * Principal directions of a set of row vectors by subspace iteration on the covariance matrix.
 * Used to initialise the text residual path with the directions that carry the most title
 * variance. Plain Java; deterministic for a given seed.
 */
final class Pca {
    private static final int ITERATIONS = 40;

    private Pca() {}

    /**
     * @return {@code [k][d]} orthonormal rows, the top-{@code k} principal directions of {@code rows} ({@code [n][d]})
     */
    static float[][] topComponents(float[][] rows, int k, long seed) {
        int d = rows[0].length;
        if (k > d) throw new IllegalArgumentException("cannot take " + k + " components of " + d + "-dim vectors");
        double[] mean = new double[d];
        for (float[] r : rows) for (int j = 0; j < d; j++) mean[j] += r[j];
        for (int j = 0; j < d; j++) mean[j] /= rows.length;
        double[][] cov = new double[d][d];
        double[] c = new double[d];
        for (float[] r : rows) {
            for (int j = 0; j < d; j++) c[j] = r[j] - mean[j];
            for (int i = 0; i < d; i++) {
                double ci = c[i];
                if (ci == 0) continue;
                double[] row = cov[i];
                for (int j = 0; j < d; j++) row[j] += ci * c[j];
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] q = new double[k][d];
        for (double[] v : q) for (int j = 0; j < d; j++) v[j] = rnd.nextGaussian();
        orthonormalize(q);
        for (int it = 0; it < ITERATIONS; it++) {
            double[][] z = new double[k][d];
            for (int m = 0; m < k; m++) {
                double[] qm = q[m];
                double[] zm = z[m];
                for (int i = 0; i < d; i++) {
                    double[] row = cov[i];
                    double acc = 0;
                    for (int j = 0; j < d; j++) acc += row[j] * qm[j];
                    zm[i] = acc;
                }
            }
            orthonormalize(z);
            q = z;
        }
        float[][] out = new float[k][d];
        for (int m = 0; m < k; m++) for (int j = 0; j < d; j++) out[m][j] = (float) q[m][j];
        return out;
    }

    /** Modified Gram–Schmidt over the rows; a degenerate row becomes a unit basis vector. */
    private static void orthonormalize(double[][] v) {
        for (int m = 0; m < v.length; m++) {
            for (int p = 0; p < m; p++) {
                double dot = 0;
                for (int j = 0; j < v[m].length; j++) dot += v[m][j] * v[p][j];
                for (int j = 0; j < v[m].length; j++) v[m][j] -= dot * v[p][j];
            }
            double norm = 0;
            for (double x : v[m]) norm += x * x;
            norm = Math.sqrt(norm);
            if (norm < 1e-12) {
                java.util.Arrays.fill(v[m], 0);
                v[m][m % v[m].length] = 1;
            } else {
                for (int j = 0; j < v[m].length; j++) v[m][j] /= norm;
            }
        }
    }
}
