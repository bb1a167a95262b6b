package ai.mercury.index;

import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Feasibility probe, not a test: two variants of {@link HnswLayers}'s search walk, each against a
 * copy of the plain walk over the same loaded index (guided links, graph order), alternating, with
 * their top-100 agreement:
 * <ul>
 *   <li>{@code touch}: read one float of every row of a node's unvisited neighbours before scoring
 *       them, so that their cache misses are all in flight at once (Java has no prefetch);</li>
 *   <li>{@code int8}: walk over int8 copies of the rows (one scale per row, max |x| / 127: a
 *       quarter of the bytes), then re-score the {@code ef} results with the float rows.</li>
 * </ul>
 * {@code SearchVariantsProbe <bundleDir>} ({@code -Defc=N} as in {@link ReorderProbe}); pin it to
 * one core. Results in docs/bench/index-search.md (neither variant was adopted).
 */
public final class SearchVariantsProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    /** A row's score for the walk. */
    private interface RowScore {
        float score(int row, float[] query);
    }

    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Snapshot s = SnapshotLoader.load(Path.of(args[0]), new SnapshotLoader.Options(params, 1, 20, null), line -> { });
        HnswItemIndex h = (HnswItemIndex) s.index();
        float[] data = h.rows.state().data();
        int n = h.rows.state().count(), dim = h.dimensions();
        if (dim % 16 != 0) throw new IllegalArgumentException("the int8 variant needs a dimension that is a multiple of 16");
        byte[] q8 = new byte[n * dim];
        float[] scale = new float[n];
        for (int r = 0; r < n; r++) {
            float max = 1e-12f;
            for (int d = 0; d < dim; d++) max = Math.max(max, Math.abs(data[r * dim + d]));
            scale[r] = max / 127f;
            for (int d = 0; d < dim; d++) q8[r * dim + d] = (byte) Math.round(data[r * dim + d] / scale[r]);
        }
        RowScore floats = (row, q) -> h.kernel.dot(data, row * dim, q, dim);
        RowScore int8 = (row, q) -> scale[row] * dot8(q8, row * dim, q, dim);
        float[][] queries = ai.mercury.bench.BundleRecall.fromRequests(s, Path.of("k6/data/requests.json"), Integer.MAX_VALUE);
        Walk plain = new Walk(h, floats, false, false);
        compare("touch-ahead", plain, new Walk(h, floats, true, false), queries, params.ef());
        compare("int8 walk + float re-score", plain, new Walk(h, int8, false, true), queries, params.ef());
        s.retire();
    }

    private static void compare(String name, Walk plain, Walk variant, float[][] queries, int ef) {
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

    private static float dot8(byte[] a, int offset, float[] q, int dim) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < dim; i += 16) {
            FloatVector f = (FloatVector) ByteVector.fromArray(B, a, offset + i).convertShape(VectorOperators.B2F, F, 0);
            acc = f.fma(FloatVector.fromArray(F, q, i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** {@link HnswLayers}'s search (no removed rows, no bounds checks) with a pluggable row score; state kept between calls. */
    private static final class Walk {
        final HnswItemIndex h;
        final RowScore score;
        final boolean touchAhead, rescore;
        final HnswLayers.Heap cand = new HnswLayers.Heap(), res = new HnswLayers.Heap();
        int[] visited = new int[0];
        int stamp, sink;

        Walk(HnswItemIndex h, RowScore score, boolean touchAhead, boolean rescore) {
            this.h = h;
            this.score = score;
            this.touchAhead = touchAhead;
            this.rescore = rescore;
        }

        int[] run(float[] query, int k, int ef) {
            HnswLayers layers = h.layers();
            HnswLayers.State s = layers.state();
            float[] data = h.rows.state().data();
            int dim = query.length, maxM = layers.maxM(), stride = layers.maxM0() + 1;
            if (visited.length < h.rows.state().count()) visited = new int[h.rows.state().count()];
            stamp++;
            int ep = s.entryPoint();
            float epScore = score.score(ep, query);
            for (int level = s.topLevel(); level >= 1; level--) {
                for (boolean moved = true; moved; ) {
                    moved = false;
                    int[] up = s.upper()[ep];
                    int b = (level - 1) * (maxM + 1);
                    if (up == null || b >= up.length) break;
                    for (int j = 0; j < up[b]; j++) {
                        float sc = score.score(up[b + 1 + j], query);
                        if (sc > epScore) {
                            epScore = sc;
                            ep = up[b + 1 + j];
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
                if (res.size >= width && -cand.topScore() < res.topScore()) break;
                int c = cand.topId();
                cand.pop();
                int m = 0;
                for (int j = 0, base = c * stride; j < l0[base]; j++) {
                    int nb = l0[base + 1 + j];
                    if (visited[nb] != stamp) {
                        visited[nb] = stamp;
                        batch[m++] = nb;
                    }
                }
                for (int j = c < g.nodes() ? g.offsets()[c] : 0, end = c < g.nodes() ? g.offsets()[c + 1] : 0; j < end; j++) {
                    int nb = g.links()[j];
                    if (visited[nb] != stamp) {
                        visited[nb] = stamp;
                        batch[m++] = nb;
                    }
                }
                if (touchAhead) {
                    for (int j = 0; j < m; j++) sink += Float.floatToRawIntBits(data[batch[j] * dim]);
                }
                for (int j = 0; j < m; j++) scores[j] = score.score(batch[j], query);
                for (int j = 0; j < m; j++) {
                    if (res.size < width || scores[j] > res.topScore()) {
                        cand.push(-scores[j], batch[j]);
                        res.push(scores[j], batch[j]);
                        if (res.size > width) res.pop();
                    }
                }
            }
            TopK top = new TopK(Math.min(k, res.size));
            for (int i = 0; i < res.size; i++) {
                top.offer(rescore ? h.kernel.dot(data, res.ids[i] * dim, query, dim) : res.scores[i], res.ids[i]);
            }
            return top.drain().ordinals();
        }
    }
}
