package ai.mercury.index;

import java.util.Objects;

/**
 * How to build an {@link ItemIndex}; validated on construction.
 *
 * @param kind           which implementation; {@link IndexKind#AUTO} picks by catalog size
 * @param m              HNSW: links per node per layer (twice that on the bottom layer)
 * @param efConstruction HNSW: candidate-list size while inserting (build quality vs build time)
 * @param ef             HNSW: candidate-list size while searching; a search for {@code k} items
 *                       uses {@code max(ef, k)}, so ef is never below k
 * @param exactBelow     AUTO: catalogs with fewer items than this use the exact index, which
 *                       below this size is as fast as HNSW and has perfect recall
 * @param guideSamples   HNSW: sample user vectors whose result lists become extra layer-0 links
 *                       when a snapshot loads ({@link QueryGuidedLinks}); 0 turns them off
 * @param graphOrder     HNSW: renumber a freshly loaded or built index's rows in breadth-first
 *                       order of its links ({@link ItemIndexes#inGraphOrder}), so that a search's
 *                       neighbours sit near each other in memory
 */
public record IndexParams(IndexKind kind, int m, int efConstruction, int ef, int exactBelow, int guideSamples, boolean graphOrder) {

    public static final IndexKind DEFAULT_KIND = IndexKind.AUTO;
    public static final int DEFAULT_M = 16;
    public static final int DEFAULT_EF_CONSTRUCTION = 200;
    /**
     * Recall@100 ≥ 0.99 on clustered 64-d data from 5k to 100k items with item-like queries; with
     * user vectors as queries and the query-guided links, 0.984 over the synthetic 100k catalog and
     * 0.966 over 1M (0.986 at ef 400). See docs/bench/index-search.md.
     */
    public static final int DEFAULT_EF = 200;
    /**
     * Measured exact-vs-HNSW top-100 latency crossover at the default ef (exact is faster up to
     * 50k items, HNSW from 100k); see docs/bench/index-search.md.
     */
    public static final int DEFAULT_EXACT_BELOW = 50_000;

    /**
     * Enough sample user vectors for recall@100 0.98 at ef 300 over the synthetic 100k catalog (0.98
     * needs ef 600 without them); costs seconds at load (docs/bench/index-search.md).
     */
    public static final int DEFAULT_GUIDE_SAMPLES = 10_000;

    /** Same answers, 1.2-1.5x faster searches over 100k-1M items (docs/bench/index-search.md#graph-order). */
    public static final boolean DEFAULT_GRAPH_ORDER = true;

    public static final int MAX_M = 256;
    /** Bounds the build's memory: 16 bytes per sample and list position (160 MB at 100,000). */
    public static final int MAX_GUIDE_SAMPLES = 100_000;
    public static final int MAX_EF = 100_000;

    public static final IndexParams DEFAULTS = new IndexParams(
            DEFAULT_KIND, DEFAULT_M, DEFAULT_EF_CONSTRUCTION, DEFAULT_EF, DEFAULT_EXACT_BELOW, DEFAULT_GUIDE_SAMPLES, DEFAULT_GRAPH_ORDER);

    public IndexParams {
        Objects.requireNonNull(kind, "index kind must not be null; valid values: auto, hnsw, exact");
        if (m < 2 || m > MAX_M) {
            throw new IllegalArgumentException(
                    "index m (HNSW links per node) must be between 2 and " + MAX_M + ", got " + m);
        }
        if (efConstruction < 1 || efConstruction > MAX_EF) {
            throw new IllegalArgumentException("index efConstruction must be between 1 and " + MAX_EF
                    + ", got " + efConstruction);
        }
        if (ef < 1 || ef > MAX_EF) {
            throw new IllegalArgumentException(
                    "index ef must be between 1 and " + MAX_EF + ", got " + ef);
        }
        if (exactBelow < 0) {
            throw new IllegalArgumentException(
                    "index exactBelow must be 0 or more (0 = never exact under auto), got " + exactBelow);
        }
        if (guideSamples < 0 || guideSamples > MAX_GUIDE_SAMPLES) {
            throw new IllegalArgumentException("index guideSamples must be between 0 (off) and " + MAX_GUIDE_SAMPLES + ", got " + guideSamples);
        }
    }

    /** Parameters with the default number of guide samples and the default row order. */
    public IndexParams(IndexKind kind, int m, int efConstruction, int ef, int exactBelow) {
        this(kind, m, efConstruction, ef, exactBelow, DEFAULT_GUIDE_SAMPLES, DEFAULT_GRAPH_ORDER);
    }

    public IndexParams withKind(IndexKind kind) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withM(int m) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withEfConstruction(int efConstruction) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withEf(int ef) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withExactBelow(int exactBelow) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withGuideSamples(int guideSamples) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    public IndexParams withGraphOrder(boolean graphOrder) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow, guideSamples, graphOrder);
    }

    /** The kind AUTO resolves to for a catalog of {@code count} items; other kinds resolve to themselves. */
    public IndexKind resolve(int count) {
        if (kind != IndexKind.AUTO) {
            return kind;
        }
        return count < exactBelow ? IndexKind.EXACT : IndexKind.HNSW;
    }
}
