package ai.mercury.train;

import ai.mercury.train.TrainingData.Query;
import ai.mercury.train.TrainingData.Slice;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recall@K on the hold-out queries (built like PROTOCOL.md's test queries, inside the fit period),
 * per slice, plus the cold-item slice (targets first seen inside the hold-out window, and the
 * pseudo-cold items that the selection run never trains on: {@link TrainingData#coldInHoldout}), by
 * exact search over the whole catalog. The early-stopping criterion is the mean over the slices.
 */
public final class HoldoutEvaluator {

    /** The user tower's inputs for every hold-out query, rows in {@link TrainingData#holdoutQueries()} order. */
    public record Inputs(float[][] head, float[][] history, float[][] hasHistory, float[][] query, float[][] hasQuery) {}

    /** Recall@K per slice ({@code cold_item} over cold targets only) and the query counts. */
    public record Metrics(Map<String, Double> recall, Map<String, Integer> queries) {
        /** Mean recall over the slices that have queries. */
        public double score() {
            return recall.entrySet().stream().filter(e -> queries.getOrDefault(e.getKey(), 0) > 0)
                    .mapToDouble(Map.Entry::getValue).average().orElse(0);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "mean %.4f", score()));
            recall.forEach((k, v) -> s.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
            return s.toString();
        }
    }

    private final TrainingData data;
    private final int k;

    public HoldoutEvaluator(TrainingData data, int k) {
        this.data = data;
        this.k = k;
    }

    /** The queries' user inputs, history pooled from {@code itemVectors} as the server pools it (mean). */
    public Inputs inputs(float[][] itemVectors) {
        List<Query> queries = data.holdoutQueries();
        int q = queries.size();
        int dim = itemVectors[0].length;
        float[][] head = new float[q][];
        float[][] history = new float[q][dim];
        float[][] hasHistory = new float[q][1];
        boolean readsQuery = data.spec().queryEnabled();
        float[][] query = readsQuery ? new float[q][data.textDim()] : null;
        float[][] hasQuery = readsQuery ? new float[q][1] : null;
        for (int i = 0; i < q; i++) {
            Query query0 = queries.get(i);
            head[i] = query0.head();
            for (int h : query0.history()) {
                for (int d = 0; d < dim; d++) history[i][d] += itemVectors[h][d];
            }
            if (query0.history().length > 0) {
                for (int d = 0; d < dim; d++) history[i][d] /= query0.history().length;
                hasHistory[i][0] = 1f;
            }
        }
        return new Inputs(head, history, hasHistory, query, hasQuery);
    }

    /**
     * Recall@K from a score matrix.
     *
     * @param scores {@code [queries × items]} row-major, rows in {@link TrainingData#holdoutQueries()} order
     */
    public Metrics evaluate(float[] scores) {
        int n = data.itemCount();
        Tally tally = tally();
        for (int i = 0; i < data.holdoutQueries().size(); i++) tally.add(i, scores, i * n);
        return tally.metrics();
    }

    /** An empty tally, to add the queries' scores to one at a time (bounded memory on a large catalog). */
    public Tally tally() {
        return new Tally();
    }

    /** Recall@K summed over the queries added so far; add each query once, in any order. Not thread-safe. */
    public final class Tally {
        private final Map<Slice, double[]> sums = new EnumMap<>(Slice.class);
        private final boolean[] top = new boolean[data.itemCount()];
        private double coldSum;
        private int coldQueries;

        private Tally() {}

        /**
         * Adds one query's scores.
         *
         * @param query  its index in {@link TrainingData#holdoutQueries()}
         * @param scores holds its score of item {@code i} at {@code offset + i}
         */
        public void add(int query, float[] scores, int offset) {
            int n = top.length;
            Query query0 = data.holdoutQueries().get(query);
            int[] best = topK(scores, offset, n, k);
            for (int o : best) top[o] = true;
            int hits = 0;
            int cold = 0;
            int coldHits = 0;
            for (int t : query0.targets()) {
                if (top[t]) hits++;
                if (data.coldInHoldout(t)) {
                    cold++;
                    if (top[t]) coldHits++;
                }
            }
            for (int o : best) top[o] = false;
            double[] s = sums.computeIfAbsent(query0.slice(), x -> new double[2]);
            s[0] += hits / (double) query0.targets().length;
            s[1]++;
            if (cold > 0) {
                coldSum += coldHits / (double) cold;
                coldQueries++;
            }
        }

        public Metrics metrics() {
            Map<String, Double> recall = new java.util.LinkedHashMap<>();
            Map<String, Integer> counts = new java.util.LinkedHashMap<>();
            for (Slice slice : Slice.values()) {
                double[] s = sums.getOrDefault(slice, new double[2]);
                String name = slice.name().toLowerCase(Locale.ROOT);
                recall.put(name, s[1] == 0 ? 0 : s[0] / s[1]);
                counts.put(name, (int) s[1]);
            }
            recall.put("cold_item", coldQueries == 0 ? 0 : coldSum / coldQueries);
            counts.put("cold_item", coldQueries);
            return new Metrics(recall, counts);
        }
    }

    /** Ordinals of the {@code k} best items by inner product (ties: lower ordinal first). */
    static int[] topK(float[] all, int offset, int n, int k) {
        k = Math.min(k, n);
        float[] scores = java.util.Arrays.copyOfRange(all, offset, offset + n);
        // A min-heap of the best k, as ordinals.
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, scores);
            } else if (scores[i] > scores[heap[0]]) {
                heap[0] = i;
                siftDown(heap, size, scores);
            }
        }
        return java.util.Arrays.copyOf(heap, size);
    }

    private static boolean less(int a, int b, float[] s) {
        return s[a] < s[b] || (s[a] == s[b] && a > b);
    }

    private static void siftUp(int[] h, int i, float[] s) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!less(h[i], h[p], s)) break;
            int t = h[i];
            h[i] = h[p];
            h[p] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int size, float[] s) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int m = i;
            if (l < size && less(h[l], h[m], s)) m = l;
            if (r < size && less(h[r], h[m], s)) m = r;
            if (m == i) return;
            int t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }
}
