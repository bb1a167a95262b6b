package ai.mercury.bundle;

import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Each item's nearest items by title: cosine of the text encoder's title embeddings (what the
 * text_knn baseline ranks by), {@code perItem} per row, best first, the item itself included
 * (cosine 1), only positive similarities kept. The hybrid's third candidate source: a new product
 * has no co-occurrence yet, but its title is known from its first minute. Searched with the project's
 * own index (exact below {@link IndexParams#DEFAULT_EXACT_BELOW} items, HNSW above), so the cost grows
 * like a catalog search per item, not with the square of the catalog beyond that size.
 *
 * @param rows         {@code rows × perItem} neighbour rows, -1 pads
 * @param similarities {@code rows × perItem} cosines, parallel to {@code rows}
 */
public record TextNeighbours(int perItem, int[] rows, float[] similarities) {
    public static final int DEFAULT_PER_ITEM = 50;

    /** No lists (a bundle without title neighbours). */
    public static final TextNeighbours NONE = new TextNeighbours(0, new int[0], new float[0]);

    public TextNeighbours {
        if (perItem < 0 || rows.length != similarities.length || (perItem > 0 && rows.length % perItem != 0)) {
            throw new IllegalArgumentException("text neighbours: " + rows.length + " rows and " + similarities.length
                    + " similarities for " + perItem + " per item");
        }
    }

    /** Lists for {@code titleVectors} (one per row; null or all-zero: the row has no text, no list, and is nobody's neighbour). */
    public static TextNeighbours of(float[][] titleVectors, int perItem) {
        int n = titleVectors.length;
        int[] rows = new int[n * perItem];
        float[] sims = new float[n * perItem];
        Arrays.fill(rows, -1);
        if (n == 0 || perItem == 0) return new TextNeighbours(perItem, rows, sims);
        boolean[] hasText = new boolean[n];
        Vectors unit = unitVectors(titleVectors, hasText);
        int dim = unit.dim();
        if (dim == 0) return new TextNeighbours(perItem, rows, sims);
        float[] data = unit.data();
        ItemIndex index = ItemIndexes.build(unit, IndexParams.DEFAULTS);
        int want = Math.min(n, perItem);
        IntStream.range(0, n).parallel().forEach(i -> {
            if (!hasText[i]) return;
            float[] q = Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
            SearchResult r = index.search(q, want);
            int j = 0;
            for (int x = 0; x < r.size() && j < perItem; x++) {
                int o = r.ordinal(x);
                float s = r.score(x);
                if (!hasText[o] || !(s > 0)) continue;
                rows[i * perItem + j] = o;
                sims[i * perItem + j] = Math.min(1f, s);
                j++;
            }
        });
        return new TextNeighbours(perItem, rows, sims);
    }

    /**
     * The rows of {@code titleVectors} scaled to unit length in one flat array, the width of the
     * longest; a null, all-zero or non-finite row stays zero and {@code hasText[i]} (when given) false.
     */
    public static Vectors unitVectors(float[][] titleVectors, boolean[] hasText) {
        int n = titleVectors.length;
        int dim = 0;
        for (float[] v : titleVectors) if (v != null) dim = Math.max(dim, v.length);
        float[] data = new float[n * dim];
        for (int i = 0; i < n; i++) {
            float[] v = titleVectors[i];
            if (v == null) continue;
            double norm = 0;
            for (float x : v) norm += (double) x * x;
            if (norm == 0 || !Double.isFinite(norm)) continue;
            float inv = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < v.length; d++) data[i * dim + d] = v[d] * inv;
            if (hasText != null) hasText[i] = true;
        }
        return new Vectors(n, dim, data);
    }

    public int neighbour(int row, int j) {
        return rows[row * perItem + j];
    }

    public float similarity(int row, int j) {
        return similarities[row * perItem + j];
    }
}
