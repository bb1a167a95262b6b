package ai.mercury.index;

import java.util.Arrays;

/**
 * HNSW insertion into {@link HnswLayers} (Malkov and Yashunin, TPAMI 2018, algorithm 1 with the
 * neighbour-selection heuristic of algorithm 4), as hnswlib 1.1.2 does it: the node draws its top
 * layer from an exponential distribution ({@code 1/ln M}), descends greedily from the entry point,
 * then on each of its layers searches with {@code efConstruction} candidates, keeps up to M of
 * them by the heuristic (a candidate is dropped when an already kept one is closer to it than the
 * new node is), links both ways, and a neighbour whose list is full re-selects its list by the
 * same heuristic (up to M on upper layers, 2M on layer 0). Removed rows stay waypoints but get no
 * new links. Scores are dot products, the inner-product similarity the graph is searched with.
 *
 * <p>Thread-safety: the index's single writer only. Readers search the same arrays meanwhile
 * without locks: a list is rewritten links first and count last, every value written is a node
 * that has its row, and the new node's lists on all its layers are written before any other node
 * links to it.
 */
final class HnswInserter {
    /** Highest layer a node may draw (a node reaches layer 30 with odds below 2^-30 even at M 2). */
    static final int MAX_LEVEL = 30;

    private final HnswLayers layers;
    private final int m;
    private final int efConstruction;
    private final double levelLambda;
    private final HnswLayers.Heap candidates = new HnswLayers.Heap();
    private final HnswLayers.Heap results = new HnswLayers.Heap();
    private int[] visited = new int[0];
    private int stamp;

    HnswInserter(HnswLayers layers, int m, int efConstruction) {
        this.layers = layers;
        this.m = m;
        this.efConstruction = efConstruction;
        this.levelLambda = 1 / Math.log(m);
    }

    /**
     * Links row {@code node} (already in {@code rows}, past every linked node) into the graph. Grows
     * the layers to {@code growTo(node + 1)} when they have no room for it.
     */
    void insert(RowStore.State rows, int dim, DotKernel kernel, int node, java.util.function.IntUnaryOperator growTo) {
        if (node >= layers.state().capacity()) layers.grow(growTo.applyAsInt(node + 1));
        HnswLayers.State s = layers.state();
        int level = levelOf(node);
        int maxM = layers.maxM(), maxM0 = layers.maxM0();
        s.level0()[node * (maxM0 + 1)] = 0;
        s.upper()[node] = level == 0 ? null : new int[level * (maxM + 1)];
        if (s.entryPoint() < 0) {
            layers.publishEntry(node, level);
            return;
        }
        float[] data = rows.data();
        float[] q = Arrays.copyOfRange(data, node * dim, (node + 1) * dim);
        if (visited.length < s.capacity()) visited = Arrays.copyOf(visited, s.capacity());

        int ep = s.entryPoint();
        float epScore = kernel.dot(data, ep * dim, q, dim);
        for (int l = s.topLevel(); l > level; l--) { // greedy descent above the node's own layers
            boolean moved = true;
            while (moved) {
                moved = false;
                int[] list = listArray(s, ep, l);
                int base = listBase(ep, l, maxM, maxM0);
                for (int j = 0, n = list[base]; j < n; j++) {
                    int nb = list[base + 1 + j];
                    float sc = kernel.dot(data, nb * dim, q, dim);
                    if (sc > epScore) {
                        epScore = sc;
                        ep = nb;
                        moved = true;
                    }
                }
            }
        }
        // The node's own lists on every layer first, the links back to it after: a reader that
        // reaches the node finds its way on, whichever layer it comes from.
        int top = Math.min(level, s.topLevel());
        int[][] selected = new int[top + 1][];
        for (int l = top; l >= 0; l--) {
            int found = searchLayer(s, rows, dim, kernel, q, ep, epScore, l);
            int[] ids = Arrays.copyOf(results.ids, found);
            float[] scores = Arrays.copyOf(results.scores, found);
            sortDescending(scores, ids, found);
            if (found > 0) {
                ep = ids[0];
                epScore = scores[0];
            }
            int kept = Math.min(selectByHeuristic(data, dim, ids, scores, found, m), l == 0 ? maxM0 : maxM);
            selected[l] = Arrays.copyOf(ids, kept);
            writeList(s, node, l, selected[l], kept);
        }
        for (int l = top; l >= 0; l--) {
            for (int nb : selected[l]) linkBack(s, data, dim, nb, node, l, l == 0 ? maxM0 : maxM);
        }
        if (level > s.topLevel()) layers.publishEntry(node, level);
    }

    /** The node's top layer: {@code floor(-ln(u) / ln M)} for a uniform {@code u} drawn from its ordinal. */
    int levelOf(int node) {
        long z = (node + 1) * 0x9E3779B97F4A7C15L; // SplitMix64: well spread, the same for an ordinal on every run
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = ((z >>> 11) + 1) * 0x1.0p-53; // (0, 1]
        return Math.min(MAX_LEVEL, (int) (-Math.log(u) * levelLambda));
    }

    /**
     * Best-first search of layer {@code l} from {@code ep} with {@code efConstruction} candidates;
     * leaves the best live nodes in {@link #results} (unordered) and returns how many.
     */
    private int searchLayer(HnswLayers.State s, RowStore.State rows, int dim, DotKernel kernel, float[] q,
                            int ep, float epScore, int l) {
        if (++stamp == Integer.MAX_VALUE) {
            Arrays.fill(visited, 0);
            stamp = 1;
        }
        int maxM = layers.maxM(), maxM0 = layers.maxM0();
        float[] data = rows.data();
        HnswLayers.Heap cand = candidates, res = results;
        cand.clear();
        res.clear();
        visited[ep] = stamp;
        cand.push(-epScore, ep);
        if (!rows.isRemoved(ep)) res.push(epScore, ep);
        while (cand.size > 0) {
            float best = -cand.topScore();
            if (res.size >= efConstruction && best < res.topScore()) break;
            int c = cand.topId();
            cand.pop();
            int[] list = listArray(s, c, l);
            int base = listBase(c, l, maxM, maxM0);
            for (int j = 0, n = list[base]; j < n; j++) {
                int nb = list[base + 1 + j];
                if (visited[nb] == stamp) continue;
                visited[nb] = stamp;
                float sc = kernel.dot(data, nb * dim, q, dim);
                if (res.size < efConstruction || sc > res.topScore()) {
                    cand.push(-sc, nb);
                    if (!rows.isRemoved(nb)) {
                        res.push(sc, nb);
                        if (res.size > efConstruction) res.pop();
                    }
                }
            }
        }
        return res.size;
    }

    /**
     * The heuristic: walks {@code ids} (scores to the base node, best first) and keeps a candidate
     * unless a kept one scores higher with it than the base does; stops at {@code max} kept. Fewer
     * candidates than {@code max} are all kept, as hnswlib does. Moves the kept ones to the front
     * and returns their number.
     */
    private static int selectByHeuristic(float[] data, int dim, int[] ids, float[] scores, int n, int max) {
        if (n <= max) return n;
        int kept = 0;
        for (int i = 0; i < n && kept < max; i++) {
            int c = ids[i];
            boolean good = true;
            for (int k = 0; k < kept; k++) {
                if (dot(data, dim, ids[k], c) > scores[i]) {
                    good = false;
                    break;
                }
            }
            if (good) {
                ids[kept] = c;
                scores[kept] = scores[i];
                kept++;
            }
        }
        return kept;
    }

    /** Adds {@code node} to {@code nb}'s list on layer {@code l}; a full list is re-selected with it as a candidate. */
    private void linkBack(HnswLayers.State s, float[] data, int dim, int nb, int node, int l, int cap) {
        int[] list = listArray(s, nb, l);
        int base = listBase(nb, l, layers.maxM(), layers.maxM0());
        int n = list[base];
        if (n < cap) {
            list[base + 1 + n] = node; // the link first, then the count that covers it
            list[base] = n + 1;
            return;
        }
        int[] ids = new int[n + 1];
        float[] scores = new float[n + 1];
        for (int j = 0; j < n; j++) {
            ids[j] = list[base + 1 + j];
            scores[j] = dot(data, dim, nb, ids[j]);
        }
        ids[n] = node;
        scores[n] = dot(data, dim, nb, node);
        sortDescending(scores, ids, n + 1);
        int kept = selectByHeuristic(data, dim, ids, scores, n + 1, cap);
        writeList(s, nb, l, ids, kept);
    }

    /** Rewrites a list in place: the links, then the count (a reader sees old or new valid links). */
    private void writeList(HnswLayers.State s, int node, int l, int[] ids, int n) {
        int[] list = listArray(s, node, l);
        int base = listBase(node, l, layers.maxM(), layers.maxM0());
        int old = list[base];
        if (n < old) list[base] = n; // shrink first: a reader never reads past what is written
        for (int j = 0; j < n; j++) list[base + 1 + j] = ids[j];
        list[base] = n;
    }

    private static int[] listArray(HnswLayers.State s, int node, int l) {
        return l == 0 ? s.level0() : s.upper()[node];
    }

    private static int listBase(int node, int l, int maxM, int maxM0) {
        return l == 0 ? node * (maxM0 + 1) : (l - 1) * (maxM + 1);
    }

    /** Row against row, for the heuristic's comparisons between neighbours (no query array to hand). */
    private static float dot(float[] data, int dim, int a, int b) {
        float sum = 0;
        for (int i = 0, x = a * dim, y = b * dim; i < dim; i++) sum += data[x + i] * data[y + i];
        return sum;
    }

    /** Insertion sort by score, best first, ties by lower id (lists are at most efConstruction long). */
    private static void sortDescending(float[] scores, int[] ids, int n) {
        for (int i = 1; i < n; i++) {
            float sc = scores[i];
            int id = ids[i];
            int j = i - 1;
            while (j >= 0 && (scores[j] < sc || (scores[j] == sc && ids[j] > id))) {
                scores[j + 1] = scores[j];
                ids[j + 1] = ids[j];
                j--;
            }
            scores[j + 1] = sc;
            ids[j + 1] = id;
        }
    }
}
