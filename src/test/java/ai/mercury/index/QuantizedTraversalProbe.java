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
 * Feasibility probe, not a test: would walking the HNSW graph over int8 copies of the rows (a
 * quarter of the bytes per row read) and re-scoring only the final candidates with the float rows
 * make the search faster at the same answers? Loads a bundle as the server does (guided links,
 * graph order), quantises each row with its own scale (max |x| / 127), runs the same best-first
 * search as {@link HnswLayers} with int8 scores, re-scores its {@code ef} results with the float
 * rows and keeps the top 100; compares with the float search and times both, alternating.
 * {@code QuantizedTraversalProbe <bundleDir>} ({@code -Defc=N} as in {@link ReorderProbe}); pin it
 * to one core. Results in docs/bench/index-search.md#int8-traversal-a-measured-lead.
 */
public final class QuantizedTraversalProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    public static void main(String[] args) throws Exception {
        IndexParams params = IndexParams.DEFAULTS.withEfConstruction(Integer.getInteger("efc", IndexParams.DEFAULT_EF_CONSTRUCTION));
        Snapshot s = SnapshotLoader.load(Path.of(args[0]), new SnapshotLoader.Options(params, 1, 20, null), line -> { });
        HnswItemIndex h = (HnswItemIndex) s.index();
        RowStore.State rows = h.rows.state();
        int n = rows.count(), dim = h.dimensions();
        if (dim % 16 != 0) throw new IllegalArgumentException("the probe needs a dimension that is a multiple of 16");
        byte[] q8 = new byte[n * dim];
        float[] scale = new float[n];
        for (int r = 0; r < n; r++) {
            float max = 1e-12f;
            for (int d = 0; d < dim; d++) max = Math.max(max, Math.abs(rows.data()[r * dim + d]));
            scale[r] = max / 127f;
            for (int d = 0; d < dim; d++) q8[r * dim + d] = (byte) Math.round(rows.data()[r * dim + d] / scale[r]);
        }
        float[][] queries = ai.mercury.bench.BundleRecall.fromRequests(s, Path.of("k6/data/requests.json"), Integer.MAX_VALUE);
        int k = 100, ef = params.ef();
        HnswLayers layers = h.layers();
        long same = 0, total = 0;
        for (float[] q : queries) {
            Set<Integer> a = new HashSet<>();
            for (int o : layers.search(h.rows, h.kernel, q, k, ef).ordinals()) a.add(o);
            for (int o : search(layers, rows, q8, scale, h.kernel, q, k, ef)) if (a.contains(o)) same++;
            total += a.size();
        }
        System.out.printf("%d items, %d queries: top-%d agreement of int8 walk + float re-score with the float search %.4f%n",
                n, queries.length, k, same / (double) total);
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (float[] q : queries) layers.search(h.rows, h.kernel, q, k, ef);
            long t1 = System.nanoTime();
            for (float[] q : queries) search(layers, rows, q8, scale, h.kernel, q, k, ef);
            long t2 = System.nanoTime();
            System.out.printf("round %d: float %.0f us, int8 walk %.0f us per search (ratio %.2f)%n", round,
                    (t1 - t0) / 1e3 / queries.length, (t2 - t1) / 1e3 / queries.length, (t1 - t0) / (double) (t2 - t1));
        }
        s.retire();
    }

    private static float dot8(byte[] a, int offset, float[] q, int dim) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < dim; i += 16) {
            FloatVector f = (FloatVector) ByteVector.fromArray(B, a, offset + i).convertShape(VectorOperators.B2F, F, 0);
            acc = f.fma(FloatVector.fromArray(F, q, i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static int[] visited = new int[0];
    private static int stamp;

    /** {@link HnswLayers}'s search (without removed rows or bounds checks), scored with int8 rows, then re-scored. */
    private static int[] search(HnswLayers layers, RowStore.State rows, byte[] q8, float[] scale, DotKernel kernel, float[] query, int k, int ef) {
        HnswLayers.State s = layers.state();
        int dim = query.length, maxM = layers.maxM(), stride = layers.maxM0() + 1;
        if (visited.length < rows.count()) visited = new int[rows.count()];
        stamp++;
        int ep = s.entryPoint();
        float epScore = scale[ep] * dot8(q8, ep * dim, query, dim);
        for (int level = s.topLevel(); level >= 1; level--) {
            for (boolean moved = true; moved; ) {
                moved = false;
                int[] up = s.upper()[ep];
                int b = (level - 1) * (maxM + 1);
                if (up == null || b >= up.length) break;
                for (int j = 0; j < up[b]; j++) {
                    int nb = up[b + 1 + j];
                    float sc = scale[nb] * dot8(q8, nb * dim, query, dim);
                    if (sc > epScore) {
                        epScore = sc;
                        ep = nb;
                        moved = true;
                    }
                }
            }
        }
        int width = Math.max(ef, k);
        HnswLayers.Heap cand = new HnswLayers.Heap(), res = new HnswLayers.Heap();
        cand.ensure(width * 8 + 64);
        res.ensure(width + 2);
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
            for (int j = 0; j < m; j++) scores[j] = scale[batch[j]] * dot8(q8, batch[j] * dim, query, dim);
            for (int j = 0; j < m; j++) {
                if (res.size < width || scores[j] > res.topScore()) {
                    cand.push(-scores[j], batch[j]);
                    res.push(scores[j], batch[j]);
                    if (res.size > width) res.pop();
                }
            }
        }
        TopK top = new TopK(Math.min(k, res.size));
        for (int i = 0; i < res.size; i++) top.offer(kernel.dot(rows.data(), res.ids[i] * dim, query, dim), res.ids[i]);
        return top.drain().ordinals();
    }
}
