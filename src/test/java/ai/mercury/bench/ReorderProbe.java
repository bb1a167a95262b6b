package ai.mercury.bench;

import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndexes;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Benchmark, not a test: how much faster does the HNSW search run over rows renumbered in graph
 * order ({@code index.graph_order}, {@link ItemIndexes#inGraphOrder})? Loads a bundle twice as the
 * server does (prebuilt graph, query-guided links), once in file order and once in graph order,
 * checks that both return the same top-100 items, and times the same searches (the configured ef,
 * 200) on both, alternating, over the user vectors of the load tests' bodies
 * ({@link BundleRecall#fromRequests}). {@code ReorderProbe <bundleDir>}; {@code -Defc=N} for a
 * graph built with another efConstruction. Pin it to one core ({@code taskset -c 0}). Results in
 * docs/bench/index-search.md#graph-order.
 */
public final class ReorderProbe {
    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Path dir = Path.of(args[0]);
        Snapshot file = SnapshotLoader.load(dir, new SnapshotLoader.Options(params.withGraphOrder(false), 1, 20, null), line -> { });
        Snapshot graph = SnapshotLoader.load(dir, new SnapshotLoader.Options(params.withGraphOrder(true), 1, 20, null), System.out::println);
        float[][] queries = BundleRecall.fromRequests(file, Path.of("k6/data/requests.json"), Integer.MAX_VALUE);
        long same = 0, total = 0;
        for (float[] q : queries) {
            Set<String> a = new HashSet<>();
            for (int o : file.index().search(q, 100).ordinals()) a.add(file.catalog().item(o).itemId());
            for (int o : graph.index().search(q, 100).ordinals()) if (a.contains(graph.catalog().item(o).itemId())) same++;
            total += a.size();
        }
        System.out.printf("%d items, %d queries: top-100 agreement %.4f%n", file.catalog().size(), queries.length, same / (double) total);
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (float[] q : queries) file.index().search(q, 100);
            long t1 = System.nanoTime();
            for (float[] q : queries) graph.index().search(q, 100);
            long t2 = System.nanoTime();
            System.out.printf("round %d: file order %.0f us, graph order %.0f us per search (ratio %.2f)%n", round,
                    (t1 - t0) / 1e3 / queries.length, (t2 - t1) / 1e3 / queries.length, (t1 - t0) / (double) (t2 - t1));
        }
        file.retire();
        graph.retire();
    }
}
