package ai.mercury.index;

import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Feasibility probe, not a test: would renumbering rows and links in graph order make the HNSW
 * search faster? Loads a bundle as the server does (prebuilt graph, query-guided links), copies its
 * layer-0 links, upper layers, guided links and rows into breadth-first order from the entry point
 * (so a node's neighbours mostly sit near it in memory), checks that both answer alike, and times
 * the same top-100 searches (ef 200) on both, alternating, over the user vectors of the load tests'
 * bodies ({@code BundleRecall.fromRequests}). {@code ReorderProbe <bundleDir>}; {@code -Defc=N} for a graph built with another
 * efConstruction. Results in docs/bench/index-search.md.
 */
public final class ReorderProbe {
    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Snapshot s = SnapshotLoader.load(Path.of(args[0]), new SnapshotLoader.Options(params, 1, 20, null), line -> { });
        HnswItemIndex h = (HnswItemIndex) s.index();
        HnswLayers layers = h.layers();
        HnswLayers.State st = layers.state();
        int maxM = layers.maxM(), maxM0 = layers.maxM0();
        QueryGuidedLinks g = layers.guided();
        Vectors v = s.bundle().itemVectors();
        int n = v.count(), dim = v.dim(), stride = maxM0 + 1;
        int[] l0Old = st.level0();

        // Breadth-first order over layer 0 and (unless -Dreorder.guided=false) the guided links, from the entry point.
        boolean followGuided = !"false".equals(System.getProperty("reorder.guided"));
        int[] perm = new int[n]; // new id -> old id
        int[] inv = new int[n];  // old id -> new id
        Arrays.fill(inv, -1);
        int head = 0, tail = 0;
        for (int start = st.entryPoint(), scan = 0; tail < n; ) {
            if (inv[start] < 0) {
                inv[start] = tail;
                perm[tail++] = start;
            }
            while (head < tail) {
                int c = perm[head++];
                for (int j = 0, cnt = l0Old[c * stride]; j < cnt; j++) {
                    int nb = l0Old[c * stride + 1 + j];
                    if (nb < n && inv[nb] < 0) {
                        inv[nb] = tail;
                        perm[tail++] = nb;
                    }
                }
                if (followGuided && c < g.nodes()) {
                    for (int j = g.offsets()[c]; j < g.offsets()[c + 1]; j++) {
                        int nb = g.links()[j];
                        if (inv[nb] < 0) {
                            inv[nb] = tail;
                            perm[tail++] = nb;
                        }
                    }
                }
            }
            while (scan < n && inv[scan] >= 0) scan++;
            if (scan < n) start = scan;
        }

        int[] l0 = new int[l0Old.length];
        int[][] upper = new int[st.capacity()][];
        float[] data = new float[n * dim];
        int[] offsets = new int[n + 1];
        int[] guided = new int[g.links().length];
        int p = 0;
        for (int nw = 0; nw < n; nw++) {
            int old = perm[nw];
            int cnt = l0Old[old * stride];
            l0[nw * stride] = cnt;
            for (int j = 0; j < cnt; j++) l0[nw * stride + 1 + j] = inv[l0Old[old * stride + 1 + j]];
            int[] u = st.upper()[old];
            if (u != null) {
                int[] nu = u.clone();
                for (int b = 0; b < nu.length; b += maxM + 1) {
                    for (int j = 0; j < nu[b]; j++) nu[b + 1 + j] = inv[u[b + 1 + j]];
                }
                upper[nw] = nu;
            }
            System.arraycopy(v.data(), old * dim, data, nw * dim, dim);
            offsets[nw] = p;
            if (old < g.nodes()) {
                for (int j = g.offsets()[old]; j < g.offsets()[old + 1]; j++) guided[p++] = inv[g.links()[j]];
            }
        }
        offsets[n] = p;
        HnswLayers reordered = HnswLayers.of(maxM, maxM0,
                new HnswLayers.State(l0, upper, st.capacity(), inv[st.entryPoint()], st.topLevel()));
        reordered.guide(new QueryGuidedLinks(offsets, guided, g.samples()));
        RowStore reorderedRows = new RowStore(new Vectors(n, dim, data));

        List<float[]> queries = Arrays.asList(ai.mercury.bench.BundleRecall.fromRequests(s, Path.of("k6/data/requests.json"), Integer.MAX_VALUE));
        long same = 0, total = 0;
        for (float[] q : queries) {
            Set<Integer> a = new HashSet<>();
            for (int o : layers.search(h.rows, h.kernel, q, 100, params.ef()).ordinals()) a.add(o);
            for (int o : reordered.search(reorderedRows, h.kernel, q, 100, params.ef()).ordinals()) if (a.contains(perm[o])) same++;
            total += a.size();
        }
        System.out.printf("%d items, %d queries: top-100 agreement %.4f%n", n, queries.size(), same / (double) total);
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (float[] q : queries) layers.search(h.rows, h.kernel, q, 100, params.ef());
            long t1 = System.nanoTime();
            for (float[] q : queries) reordered.search(reorderedRows, h.kernel, q, 100, params.ef());
            long t2 = System.nanoTime();
            System.out.printf("round %d: insertion order %.0f us, breadth-first order %.0f us per search (ratio %.2f)%n", round,
                    (t1 - t0) / 1e3 / queries.size(), (t2 - t1) / 1e3 / queries.size(), (t1 - t0) / (double) (t2 - t1));
        }
        s.retire();
    }
}
