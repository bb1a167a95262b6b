package ai.mercury.eval;

import ai.mercury.data.Basket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * score(i) = Σ over history items h of the number of fit baskets holding both h and i (for i = h,
 * the baskets holding h). Items with a positive score come first, by score desc, then in
 * popularity_by_country order; the rest follow in popularity_by_country order. Co-occurrence
 * counts are kept as one sparse row per item (neighbour ordinals and counts), built once from an
 * item → baskets inverted index. Immutable and thread-safe.
 */
final class CooccurrenceRanker implements Ranker {
    private final FitStats stats;
    private final int[][] neighbours;
    private final int[][] counts;

    CooccurrenceRanker(FitStats stats, List<Basket> fit) {
        this.stats = stats;
        int n = stats.size();
        int[][] baskets = new int[fit.size()][];
        int[] holding = new int[n];
        for (int b = 0; b < fit.size(); b++) {
            List<String> items = fit.get(b).items();
            baskets[b] = new int[items.size()];
            for (int j = 0; j < items.size(); j++) {
                baskets[b][j] = stats.ordinal(items.get(j));
                holding[baskets[b][j]]++;
            }
        }
        int[][] inverted = new int[n][];
        for (int i = 0; i < n; i++) inverted[i] = new int[holding[i]];
        int[] fill = new int[n];
        for (int b = 0; b < baskets.length; b++) {
            for (int o : baskets[b]) inverted[o][fill[o]++] = b;
        }
        neighbours = new int[n][];
        counts = new int[n][];
        int[] acc = new int[n];
        int[] touched = new int[n];
        for (int i = 0; i < n; i++) {
            int m = 0;
            for (int b : inverted[i]) {
                for (int o : baskets[b]) {
                    if (acc[o]++ == 0) touched[m++] = o;
                }
            }
            Arrays.sort(touched, 0, m);
            neighbours[i] = Arrays.copyOf(touched, m);
            counts[i] = new int[m];
            for (int j = 0; j < m; j++) {
                counts[i][j] = acc[touched[j]];
                acc[touched[j]] = 0;
            }
        }
    }

    @Override
    public String name() {
        return Baselines.COOCCURRENCE;
    }

    /** The number of fit baskets holding both items (for a = b: holding a). */
    int count(String a, String b) {
        int oa = stats.ordinal(a);
        int ob = stats.ordinal(b);
        if (oa < 0 || ob < 0) return 0;
        int j = Arrays.binarySearch(neighbours[oa], ob);
        return j < 0 ? 0 : counts[oa][j];
    }

    @Override
    public List<String> rank(EvalQuery q, int k) {
        int[] order = stats.contextOrder(q.context());
        int[] rank = stats.contextRank(q.context());
        int n = stats.size();
        long[] score = new long[n];
        int[] scored = new int[n];
        int m = 0;
        for (String h : q.history()) {
            int o = stats.ordinal(h);
            if (o < 0) continue;
            int[] nb = neighbours[o];
            int[] c = counts[o];
            for (int j = 0; j < nb.length; j++) {
                if (score[nb[j]] == 0) scored[m++] = nb[j];
                score[nb[j]] += c[j];
            }
        }
        // One primitive sort: score desc in the high bits, popularity_by_country position asc in the low ones.
        long[] keys = new long[m];
        for (int i = 0; i < m; i++) {
            int o = scored[i];
            keys[i] = ((Integer.MAX_VALUE - Math.min(score[o], Integer.MAX_VALUE)) << 32) | rank[o];
        }
        Arrays.sort(keys);
        int top = Math.min(k, n);
        List<String> out = new ArrayList<>(top);
        for (int i = 0; i < m && out.size() < top; i++) out.add(stats.ids[order[(int) keys[i]]]);
        for (int i = 0; i < order.length && out.size() < top; i++) {
            if (score[order[i]] == 0) out.add(stats.ids[order[i]]);
        }
        return out;
    }
}
