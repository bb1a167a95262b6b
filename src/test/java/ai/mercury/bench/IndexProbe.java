package ai.mercury.bench;

import ai.mercury.index.ClusteredVectors;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.Vectors;

/**
 * Build time and recall@k of HNSW against exact search for several ef values, outside JMH:
 * {@code IndexProbe <items> [efConstruction] [ef,ef,...] [k]}. Used to tune {@code DEFAULT_EF}.
 */
public final class IndexProbe {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int efc = args.length > 1 ? Integer.parseInt(args[1]) : IndexParams.DEFAULT_EF_CONSTRUCTION;
        String[] efs = (args.length > 2 ? args[2] : "10,50,100,150,200").split(",");
        int k = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        ClusteredVectors gen = new ClusteredVectors(64, IndexSearchBenchmark.SEED);
        Vectors items = gen.items(n, IndexSearchBenchmark.SEED + 1);
        float[][] queries = gen.queries(200, IndexSearchBenchmark.SEED + 2);
        ItemIndex exact = ItemIndexes.exact(items);
        // Built with ef = 1: a search for max(ef, k) items then truncated to k is exactly a search
        // with candidate list max(ef, k), so one build serves every ef.
        long t0 = System.nanoTime();
        ItemIndex hnsw = ItemIndexes.hnsw(items, IndexParams.DEFAULTS.withEfConstruction(efc).withEf(1));
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("n=%d efConstruction=%d build=%d ms (%d threads)%n",
                n, efc, buildMs, Runtime.getRuntime().availableProcessors());
        for (String e : efs) {
            int ef = Integer.parseInt(e.trim());
            int kk = Math.max(ef, k);
            long hits = 0;
            long t1 = System.nanoTime();
            for (float[] q : queries) {
                int[] got = hnsw.search(q, kk).ordinals();
                java.util.Set<Integer> truth = new java.util.HashSet<>();
                for (int o : exact.search(q, k).ordinals()) {
                    truth.add(o);
                }
                for (int i = 0; i < Math.min(k, got.length); i++) {
                    if (truth.contains(got[i])) {
                        hits++;
                    }
                }
            }
            double us = (System.nanoTime() - t1) / 1e3 / queries.length;
            System.out.printf("  ef=%d k=%d recall@%d=%.4f (search+exact %.0f us/query, cold)%n",
                    ef, k, k, (double) hits / ((long) k * queries.length), us);
        }
    }
}
