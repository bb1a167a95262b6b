package ai.mercury.bench;

import ai.mercury.index.ClusteredVectors;
import ai.mercury.index.IndexBenchAccess;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;

import java.util.Arrays;

/**
 * Benchmark probe (not a test): top-100 latency of exact search, hnswlib's own
 * {@code findNearest} and our {@code HnswLayers} on the <em>same</em> graph, query by query in turn so
 * that the machine's drift hits all three alike, plus each one's recall@100 against exact:
 * {@code HnswSearchProbe [dim] [ef] [size,size,...]}. Clustered vectors ({@link ClusteredVectors}).
 * hnswlib is reached through {@link IndexBenchAccess} (its ids copied into an int array inside the
 * timed call: well under 1 % of a search). Results in docs/bench/index-search.md.
 */
public final class HnswSearchProbe {

    public static void main(String[] args) {
        int dim = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int ef = args.length > 1 ? Integer.parseInt(args[1]) : IndexParams.DEFAULT_EF;
        String[] sizes = (args.length > 2 ? args[2] : "10000,20000,50000,100000").split(",");
        int k = 100, warm = 500, measured = 2000;
        System.out.printf("dim %d, ef %d, top-%d, %d measured queries after %d warm-up; kernel %s%n",
                dim, ef, k, measured, warm, IndexBenchAccess.kernelName());
        System.out.println("| items | build s | exact p50 µs | hnswlib p50 µs | HnswLayers p50 µs | hnswlib / HnswLayers | exact / HnswLayers | recall hnswlib | recall HnswLayers |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String size : sizes) {
            int n = Integer.parseInt(size.trim());
            ClusteredVectors gen = new ClusteredVectors(dim, 42);
            Vectors items = gen.items(n, 43);
            float[][] queries = gen.queries(warm + measured, 44);
            long t0 = System.nanoTime();
            IndexBenchAccess.BuiltHnsw built = IndexBenchAccess.buildHnsw(items, IndexParams.DEFAULTS.withEf(ef), Runtime.getRuntime().availableProcessors());
            ItemIndex hnsw = built.index();
            double buildS = (System.nanoTime() - t0) / 1e9;
            ItemIndex exact = ItemIndexes.exact(items);
            long[][] times = new long[3][measured];
            long[] hits = new long[2];
            for (int i = 0; i < queries.length; i++) {
                float[] q = queries[i];
                long a = System.nanoTime();
                SearchResult truth = exact.search(q, k);
                long b = System.nanoTime();
                int[] theirs = built.hnswlibSearch(q, k);
                long c = System.nanoTime();
                SearchResult ours = hnsw.search(q, k);
                long d = System.nanoTime();
                if (i < warm) continue;
                int m = i - warm;
                times[0][m] = b - a;
                times[1][m] = c - b;
                times[2][m] = d - c;
                java.util.BitSet want = new java.util.BitSet();
                for (int o : truth.ordinals()) want.set(o);
                for (int o : theirs) if (want.get(o)) hits[0]++;
                for (int o : ours.ordinals()) if (want.get(o)) hits[1]++;
            }
            double[] p50 = new double[3];
            for (int j = 0; j < 3; j++) {
                Arrays.sort(times[j]);
                p50[j] = times[j][measured / 2] / 1e3;
            }
            System.out.printf("| %,d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.4f | %.4f |%n", n, buildS, p50[0], p50[1], p50[2],
                    p50[1] / p50[2], p50[0] / p50[2], hits[0] / (double) (k * measured), hits[1] / (double) (k * measured));
        }
    }
}
