package ai.mercury.bench;

import ai.mercury.index.IndexParams;
import ai.mercury.index.SearchWalkVariants;
import ai.mercury.index.SearchWalkVariants.SearchWalk;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Feasibility probe, not a test: two variants of the HNSW search walk
 * ({@link SearchWalkVariants#touchAhead} and {@link SearchWalkVariants#int8}), each against a copy
 * of the plain walk over the same loaded index (guided links, graph order), alternating, with
 * their top-100 agreement. {@code SearchVariantsProbe <bundleDir>} ({@code -Defc=N} as in
 * {@link ReorderProbe}); pin it to one core. Results in docs/bench/index-search.md (neither
 * variant was adopted).
 */
public final class SearchVariantsProbe {

    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Snapshot s = SnapshotLoader.load(Path.of(args[0]), new SnapshotLoader.Options(params, 1, 20, null), line -> { });
        float[][] queries = BundleRecall.fromRequests(s, Path.of("k6/data/requests.json"), Integer.MAX_VALUE);
        SearchWalk plain = SearchWalkVariants.plain(s.index());
        compare("touch-ahead", plain, SearchWalkVariants.touchAhead(s.index()), queries, params.ef());
        compare("int8 walk + float re-score", plain, SearchWalkVariants.int8(s.index()), queries, params.ef());
        s.retire();
    }

    private static void compare(String name, SearchWalk plain, SearchWalk variant, float[][] queries, int ef) {
        int k = 100;
        long same = 0, total = 0;
        for (float[] q : queries) {
            Set<Integer> a = new HashSet<>();
            for (int o : plain.run(q, k, ef)) a.add(o);
            for (int o : variant.run(q, k, ef)) if (a.contains(o)) same++;
            total += a.size();
        }
        System.out.printf("%s: %d queries, top-%d agreement with the plain walk %.4f%n", name, queries.length, k, same / (double) total);
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (float[] q : queries) plain.run(q, k, ef);
            long t1 = System.nanoTime();
            for (float[] q : queries) variant.run(q, k, ef);
            long t2 = System.nanoTime();
            System.out.printf("  round %d: plain %.0f us, %s %.0f us per search (ratio %.2f)%n", round,
                    (t1 - t0) / 1e3 / queries.length, name, (t2 - t1) / 1e3 / queries.length, (t1 - t0) / (double) (t2 - t1));
        }
    }
}
