package ai.mercury.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simple methods on the trainer's own hold-out, scored like the model ({@link HoldoutEvaluator},
 * Recall@100 per slice), so that a run says whether it beat them on data it was not tested on:
 * <b>popularity</b> (baskets before the hold-out holding the item) and <b>cooccurrence</b> (Σ over
 * the query's history of baskets holding both items, the history item's own count included;
 * popularity breaks ties and ranks the rest). Counts skip the pseudo-cold items, which the selection
 * run never sees either. Stateless.
 */
final class HoldoutBaselines {
    private HoldoutBaselines() {}

    /** Figures by method name, in a fixed order. */
    static Map<String, HoldoutEvaluator.Metrics> evaluate(TrainingData data) {
        int n = data.itemCount();
        List<int[]> baskets = new ArrayList<>();
        for (TrainingData.Example e : data.examples()) {
            if (e.holdout()) continue;
            int[] items = Arrays.stream(e.items()).filter(i -> !data.heldOutOfSelection(i)).distinct().toArray();
            if (items.length > 0) baskets.add(items);
        }
        float[] popularity = new float[n];
        List<List<Integer>> containing = new ArrayList<>(n);
        for (int i = 0; i < n; i++) containing.add(new ArrayList<>());
        for (int b = 0; b < baskets.size(); b++) {
            for (int i : baskets.get(b)) {
                popularity[i]++;
                containing.get(i).add(b);
            }
        }
        List<TrainingData.Query> queries = data.holdoutQueries();
        int q = queries.size();
        // Ties in popularity order: a popularity share far below one co-occurrence count.
        float max = 1;
        for (float p : popularity) max = Math.max(max, p);
        float tie = 0.5f / max;
        HoldoutEvaluator ev = new HoldoutEvaluator(data, 100);
        HoldoutEvaluator.Tally pop = ev.tally();
        HoldoutEvaluator.Tally cooc = ev.tally();
        // One query's row at a time: a [queries × items] matrix does not fit a large catalog.
        float[] row = new float[n];
        Map<Integer, int[]> rows = new java.util.HashMap<>();
        for (int k = 0; k < q; k++) {
            pop.add(k, popularity, 0);
            for (int i = 0; i < n; i++) row[i] = popularity[i] * tie;
            for (int h : queries.get(k).history()) {
                int[] counts = rows.computeIfAbsent(h, x -> row(x, containing, baskets, n));
                for (int j = 0; j < counts.length; j += 2) row[counts[j]] += counts[j + 1];
            }
            cooc.add(k, row, 0);
        }
        Map<String, HoldoutEvaluator.Metrics> out = new LinkedHashMap<>();
        out.put("popularity", pop.metrics());
        out.put("cooccurrence", cooc.metrics());
        return out;
    }

    /** Item {@code h}'s co-occurrence counts as (ordinal, count) pairs. */
    private static int[] row(int h, List<List<Integer>> containing, List<int[]> baskets, int n) {
        int[] counts = new int[n];
        int nonZero = 0;
        for (int b : containing.get(h)) {
            for (int i : baskets.get(b)) if (counts[i]++ == 0) nonZero++;
        }
        int[] pairs = new int[2 * nonZero];
        int p = 0;
        for (int i = 0; i < n; i++) {
            if (counts[i] > 0) {
                pairs[p++] = i;
                pairs[p++] = counts[i];
            }
        }
        return pairs;
    }
}
