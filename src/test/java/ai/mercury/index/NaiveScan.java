package ai.mercury.index;

import java.util.Arrays;
import java.util.Comparator;

/** The reference: every dot product in double precision, sorted by score desc then ordinal asc. */
final class NaiveScan {

    final int[] ordinals;
    final double[] scores;

    private NaiveScan(int[] ordinals, double[] scores) {
        this.ordinals = ordinals;
        this.scores = scores;
    }

    static double dot(Vectors v, int row, float[] q) {
        double s = 0;
        for (int j = 0; j < v.dim(); j++) {
            s += (double) v.data()[row * v.dim() + j] * q[j];
        }
        return s;
    }

    static NaiveScan topK(Vectors v, float[] q, int k) {
        double[] all = new double[v.count()];
        Integer[] order = new Integer[v.count()];
        for (int i = 0; i < v.count(); i++) {
            all[i] = dot(v, i, q);
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -all[i]).thenComparingInt(i -> i));
        int n = Math.min(k, v.count());
        int[] ords = new int[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            ords[i] = order[i];
            scores[i] = all[order[i]];
        }
        return new NaiveScan(ords, scores);
    }
}
