package ai.mercury.index;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies of {@link HnswLayers}'s search walk with one change each, for
 * {@code ai.mercury.bench.SearchVariantsProbe}: they read this package's package-private index
 * state (rows, links, heaps), so they live here in the test tree rather than widening src/main.
 * <ul>
 *   <li>{@link #plain}: the walk as {@link HnswLayers} runs it (no removed rows, no bounds checks);</li>
 *   <li>{@link #touchAhead}: read one float of every row of a node's unvisited neighbours before scoring
 *       them, so that their cache misses are all in flight at once (Java has no prefetch);</li>
 *   <li>{@link #int8}: walk over int8 copies of the rows (one scale per row, max |x| / 127: a
 *       quarter of the bytes), then re-score the {@code ef} results with the float rows.</li>
 * </ul>
 * A walk keeps scratch state between calls: one thread per walk.
 */
public final class SearchWalkVariants {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    private SearchWalkVariants() {
    }

    /** One search walk over a loaded HNSW index: the ordinals of the top {@code k} with candidate list {@code ef}. */
    public interface SearchWalk {
        int[] run(float[] query, int k, int ef);
    }

    /** A row's score for the walk. */
    private interface RowScore {
        float score(int row, float[] query);
    }

    /** The plain walk over the float rows of {@code hnsw} (an HNSW index, e.g. a snapshot's). */
    public static SearchWalk plain(ItemIndex hnsw) {
        HnswItemIndex h = (HnswItemIndex) hnsw;
        return new Walk(h, floats(h), false, false);
    }

    /** The plain walk that first touches every unvisited neighbour's row, then scores them. */
    public static SearchWalk touchAhead(ItemIndex hnsw) {
        HnswItemIndex h = (HnswItemIndex) hnsw;
        return new Walk(h, floats(h), true, false);
    }

    /** The walk over int8 copies of the rows (made here, once), re-scoring its results with the float rows. */
    public static SearchWalk int8(ItemIndex hnsw) {
        HnswItemIndex h = (HnswItemIndex) hnsw;
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
        return new Walk(h, (row, q) -> scale[row] * dot8(q8, row * dim, q, dim), false, true);
    }

    private static RowScore floats(HnswItemIndex h) {
        float[] data = h.rows.state().data();
        int dim = h.dimensions();
        return (row, q) -> h.kernel.dot(data, row * dim, q, dim);
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
    private static final class Walk implements SearchWalk {
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

        @Override
        public int[] run(float[] query, int k, int ef) {
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
