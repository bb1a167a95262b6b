package ai.mercury.eval;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one method's rankings (aligned with the query list) into the protocol's figures per slice:
 * Recall@10/100, NDCG@10, HitRate@10 and Coverage@10 on the request slices, and Recall@100 over
 * the cold targets of every query that has one on cold_item. Stateless.
 */
public final class Scoring {
    public static final int K_SMALL = 10;
    public static final int K_LARGE = 100;

    private Scoring() {}

    public static Map<Slice, SliceResult> score(List<EvalQuery> queries, List<List<String>> rankings, Set<String> catalog) {
        Map<Slice, SliceResult> out = new EnumMap<>(Slice.class);
        scoreSlices(Slice.REQUESTS, queries, rankings, catalog, out);
        double cold = 0;
        int n = 0;
        for (int i = 0; i < queries.size(); i++) {
            EvalQuery q = queries.get(i);
            if (q.coldTargets().isEmpty()) continue;
            cold += Metrics.recall(rankings.get(i), new HashSet<>(q.coldTargets()), K_LARGE);
            n++;
        }
        out.put(Slice.COLD_ITEM, SliceResult.coldItem(n, n == 0 ? Double.NaN : cold / n));
        return out;
    }

    /** The in-session slices' figures ({@link SessionQueries}): the same metrics as the request slices. */
    public static Map<Slice, SliceResult> scoreSessions(List<EvalQuery> sessionQueries, List<List<String>> rankings, Set<String> catalog) {
        Map<Slice, SliceResult> out = new EnumMap<>(Slice.class);
        scoreSlices(Slice.SESSIONS, sessionQueries, rankings, catalog, out);
        return out;
    }

    private static void scoreSlices(List<Slice> slices, List<EvalQuery> queries, List<List<String>> rankings, Set<String> catalog,
                                    Map<Slice, SliceResult> out) {
        if (queries.size() != rankings.size()) {
            throw new IllegalArgumentException(rankings.size() + " rankings for " + queries.size() + " queries");
        }
        for (Slice slice : slices) {
            double r10 = 0, r100 = 0, ndcg = 0, hit = 0;
            int n = 0;
            List<List<String>> top = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                EvalQuery q = queries.get(i);
                if (q.slice() != slice) continue;
                List<String> r = rankings.get(i);
                Set<String> t = new HashSet<>(q.targets());
                r10 += Metrics.recall(r, t, K_SMALL);
                r100 += Metrics.recall(r, t, K_LARGE);
                ndcg += Metrics.ndcg(r, t, K_SMALL);
                hit += Metrics.hitRate(r, t, K_SMALL);
                top.add(r);
                n++;
            }
            out.put(slice, n == 0 ? new SliceResult(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                    : new SliceResult(n, r10 / n, r100 / n, ndcg / n, hit / n, Metrics.coverage(top, catalog, K_SMALL)));
        }
    }

    /** Mean over queries of |a ∩ b| / |b| for two aligned ranking lists (ANN recall against exact when b is exact). */
    public static double overlap(List<List<String>> a, List<List<String>> b, int k) {
        if (a.size() != b.size()) throw new IllegalArgumentException("ranking lists differ in length");
        if (a.isEmpty()) return Double.NaN;
        double sum = 0;
        for (int i = 0; i < a.size(); i++) {
            List<String> ref = b.get(i).subList(0, Math.min(k, b.get(i).size()));
            if (ref.isEmpty()) {
                sum += 1;
                continue;
            }
            sum += (double) Metrics.hits(a.get(i), new HashSet<>(ref), k) / ref.size();
        }
        return sum / a.size();
    }
}
