package ai.mercury.eval;

import ai.mercury.data.ItemRecord;
import ai.mercury.feature.TextEncoder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * text_knn: item vector = the L2-normalised text-encoder embedding of its title (each title
 * encoded alone); query vector = the mean of the history items' vectors; items ranked by cosine
 * with it, ties by item id. A query without a known history item ranks as popularity_by_country.
 * Titles are embedded once, before any query. Immutable and thread-safe.
 */
final class TextKnnRanker implements Ranker {
    private final FitStats stats;
    private final float[][] vectors;

    TextKnnRanker(FitStats stats, List<ItemRecord> catalog, TextEncoder encoder) {
        this(stats, embed(catalog, encoder));
    }

    /** @param titleVectors one title vector per catalog item, in catalog order (normalised here) */
    TextKnnRanker(FitStats stats, float[][] titleVectors) {
        if (titleVectors.length != stats.size()) {
            throw new IllegalArgumentException(titleVectors.length + " title vectors for " + stats.size() + " catalog items");
        }
        this.stats = stats;
        this.vectors = new float[titleVectors.length][];
        for (int i = 0; i < titleVectors.length; i++) vectors[i] = normalized(titleVectors[i]);
    }

    private static float[][] embed(List<ItemRecord> catalog, TextEncoder encoder) {
        float[][] out = new float[catalog.size()][];
        IntStream.range(0, catalog.size()).parallel().forEach(i -> out[i] = encoder.embed(catalog.get(i).title()));
        return out;
    }

    @Override
    public String name() {
        return Baselines.TEXT_KNN;
    }

    static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        if (norm == 0) return out;
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / norm);
        return out;
    }

    /** Σ a[d]·v[d] in double, four independent sums (the order is fixed, so equal vectors give equal results). */
    static double dot(double[] a, float[] v) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int d = 0;
        for (int n = v.length - 3; d < n; d += 4) {
            s0 += a[d] * v[d];
            s1 += a[d + 1] * v[d + 1];
            s2 += a[d + 2] * v[d + 2];
            s3 += a[d + 3] * v[d + 3];
        }
        for (; d < v.length; d++) s0 += a[d] * v[d];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public List<String> rank(EvalQuery q, int k) {
        int dim = vectors.length == 0 ? 0 : vectors[0].length;
        double[] mean = new double[dim];
        int used = 0;
        for (String h : q.history()) {
            int o = stats.ordinal(h);
            if (o < 0) continue;
            for (int d = 0; d < dim; d++) mean[d] += vectors[o][d];
            used++;
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            mean[d] /= Math.max(1, used);
            norm += mean[d] * mean[d];
        }
        if (used == 0 || norm == 0) return stats.ids(stats.contextOrder(q.context()), k);
        norm = Math.sqrt(norm);
        int n = vectors.length;
        double[] cos = new double[n];
        for (int i = 0; i < n; i++) cos[i] = dot(mean, vectors[i]) / norm;
        int top = Math.min(k, n);
        // Min-heap of the best `top`: its head is the worst kept (lowest cosine, then highest id).
        PriorityQueue<Integer> heap = new PriorityQueue<>(top + 1, (a, b) -> cos[a] != cos[b] ? Double.compare(cos[a], cos[b]) : Integer.compare(b, a));
        for (int i = 0; i < n; i++) {
            heap.add(i);
            if (heap.size() > top) heap.poll();
        }
        List<Integer> best = new ArrayList<>(heap);
        best.sort((a, b) -> cos[a] != cos[b] ? Double.compare(cos[b], cos[a]) : Integer.compare(a, b));
        List<String> out = new ArrayList<>(top);
        for (int o : best) out.add(stats.ids[o]);
        return Collections.unmodifiableList(out);
    }
}
