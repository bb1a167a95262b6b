package ai.mercury.index;

import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Feasibility probe, not a test: does reading one element of every row of a batch before scoring
 * the batch (so that the rows' cache misses are all in flight at once, Java having no prefetch
 * instruction) make the HNSW search faster? Runs {@link HnswLayers}'s search loop twice over the
 * same loaded index (guided links, graph order), once plain and once with that touch loop,
 * alternating, and checks they agree. {@code TouchAheadProbe <bundleDir>} ({@code -Defc=N} as in
 * {@link ReorderProbe}); pin it to one core.
 */
public final class TouchAheadProbe {
    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Snapshot s = SnapshotLoader.load(Path.of(args[0]), new SnapshotLoader.Options(params, 1, 20, null), line -> { });
        HnswItemIndex h = (HnswItemIndex) s.index();
        float[][] queries = ai.mercury.bench.BundleRecall.fromRequests(s, Path.of("k6/data/requests.json"), Integer.MAX_VALUE);
        Search plain = new Search(h, false), touch = new Search(h, true);
        int k = 100, ef = params.ef();
        long same = 0;
        for (float[] q : queries) {
            int[] a = plain.run(q, k, ef), b = touch.run(q, k, ef);
            Arrays.sort(a);
            Arrays.sort(b);
            if (Arrays.equals(a, b)) same++;
        }
        System.out.printf("%d queries: identical top-%d with and without the touch loop: %d%n", queries.length, k, same);
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (float[] q : queries) plain.run(q, k, ef);
            long t1 = System.nanoTime();
            for (float[] q : queries) touch.run(q, k, ef);
            long t2 = System.nanoTime();
            System.out.printf("round %d: plain %.0f us, touch-ahead %.0f us per search (ratio %.2f)%n", round,
                    (t1 - t0) / 1e3 / queries.length, (t2 - t1) / 1e3 / queries.length, (t1 - t0) / (double) (t2 - t1));
        }
        s.retire();
    }

    /** {@link HnswLayers}'s search without removed rows or bounds checks; state kept between calls. */
    private static final class Search {
        final HnswItemIndex h;
        final boolean touchAhead;
        final HnswLayers.Heap cand = new HnswLayers.Heap(), res = new HnswLayers.Heap();
        int[] visited = new int[0];
        int stamp;
        int sink;

        Search(HnswItemIndex h, boolean touchAhead) {
            this.h = h;
            this.touchAhead = touchAhead;
        }

        int[] run(float[] query, int k, int ef) {
            HnswLayers layers = h.layers();
            HnswLayers.State s = layers.state();
            float[] data = h.rows.state().data();
            DotKernel kernel = h.kernel;
            int dim = query.length, maxM = layers.maxM(), stride = layers.maxM0() + 1;
            if (visited.length < h.rows.state().count()) visited = new int[h.rows.state().count()];
            stamp++;
            int ep = s.entryPoint();
            float epScore = kernel.dot(data, ep * dim, query, dim);
            for (int level = s.topLevel(); level >= 1; level--) {
                for (boolean moved = true; moved; ) {
                    moved = false;
                    int[] up = s.upper()[ep];
                    int b = (level - 1) * (maxM + 1);
                    if (up == null || b >= up.length) break;
                    for (int j = 0; j < up[b]; j++) {
                        int nb = up[b + 1 + j];
                        float sc = kernel.dot(data, nb * dim, query, dim);
                        if (sc > epScore) {
                            epScore = sc;
                            ep = nb;
                            moved = true;
                        }
                    }
                }
            }
            int width = Math.max(ef, k);
            cand.ensure(width * 8 + 64);
            res.ensure(width + 2);
            cand.clear();
            res.clear();
            visited[ep] = stamp;
            cand.push(-epScore, ep);
            res.push(epScore, ep);
            int[] l0 = s.level0();
            QueryGuidedLinks g = layers.guided();
            int[] batch = new int[stride + QueryGuidedLinks.DEGREE];
            float[] scores = new float[batch.length];
            while (cand.size > 0) {
                float best = -cand.topScore();
                if (res.size >= width && best < res.topScore()) break;
                int c = cand.topId();
                cand.pop();
                int m = 0;
                for (int j = 0, base = c * stride; j < l0[base]; j++) {
                    int nb = l0[base + 1 + j];
                    if (visited[nb] == stamp) continue;
                    visited[nb] = stamp;
                    batch[m++] = nb;
                }
                if (c < g.nodes()) {
                    for (int j = g.offsets()[c]; j < g.offsets()[c + 1]; j++) {
                        int nb = g.links()[j];
                        if (visited[nb] == stamp) continue;
                        visited[nb] = stamp;
                        batch[m++] = nb;
                    }
                }
                if (touchAhead) {
                    int t = 0;
                    for (int j = 0; j < m; j++) t += Float.floatToRawIntBits(data[batch[j] * dim]);
                    sink += t;
                }
                for (int j = 0; j < m; j++) scores[j] = kernel.dot(data, batch[j] * dim, query, dim);
                for (int j = 0; j < m; j++) {
                    if (res.size < width || scores[j] > res.topScore()) {
                        cand.push(-scores[j], batch[j]);
                        res.push(scores[j], batch[j]);
                        if (res.size > width) res.pop();
                    }
                }
            }
            TopK top = new TopK(Math.min(k, res.size));
            for (int i = 0; i < res.size; i++) top.offer(res.scores[i], res.ids[i]);
            return top.drain().ordinals();
        }
    }
}
