package ai.mercury.eval;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The protocol's per-query metrics over a ranking (best first, ids distinct) and a target set.
 * A ranking shorter than K counts what it has; an empty target set has no defined recall and is
 * rejected (the slices leave such queries out). Stateless.
 */
public final class Metrics {
    private Metrics() {}

    /** |top-k ∩ targets| / |targets|. */
    public static double recall(List<String> ranking, Set<String> targets, int k) {
        requireTargets(targets);
        return (double) hits(ranking, targets, k) / targets.size();
    }

    /** NDCG@k with binary gains: DCG = Σ 1/log2(rank+1) over hits in the top k; ideal over min(|T|, k) hits. */
    public static double ndcg(List<String> ranking, Set<String> targets, int k) {
        requireTargets(targets);
        double dcg = 0;
        for (int i = 0, n = Math.min(k, ranking.size()); i < n; i++) {
            if (targets.contains(ranking.get(i))) dcg += discount(i);
        }
        double ideal = 0;
        for (int i = 0, n = Math.min(k, targets.size()); i < n; i++) ideal += discount(i);
        return dcg / ideal;
    }

    /** 1 when any target is in the top k, else 0. */
    public static double hitRate(List<String> ranking, Set<String> targets, int k) {
        requireTargets(targets);
        return hits(ranking, targets, k) > 0 ? 1 : 0;
    }

    /** |union of the top-k lists| / catalog size, counting only catalog items. */
    public static double coverage(Collection<List<String>> rankings, Set<String> catalog, int k) {
        if (catalog.isEmpty()) throw new IllegalArgumentException("the catalog is empty");
        Set<String> seen = new HashSet<>();
        for (List<String> r : rankings) {
            for (int i = 0, n = Math.min(k, r.size()); i < n; i++) {
                if (catalog.contains(r.get(i))) seen.add(r.get(i));
            }
        }
        return (double) seen.size() / catalog.size();
    }

    static int hits(List<String> ranking, Set<String> targets, int k) {
        int hits = 0;
        for (int i = 0, n = Math.min(k, ranking.size()); i < n; i++) {
            if (targets.contains(ranking.get(i))) hits++;
        }
        return hits;
    }

    /** 1 / log2(position + 2) for a 0-based position. */
    static double discount(int position) {
        return 1.0 / (Math.log(position + 2) / Math.log(2));
    }

    private static void requireTargets(Set<String> targets) {
        if (targets.isEmpty()) throw new IllegalArgumentException("a query without targets has no recall; leave it out of the slice");
    }
}
