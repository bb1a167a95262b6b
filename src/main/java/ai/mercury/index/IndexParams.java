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
 */
public record IndexParams(IndexKind kind, int m, int efConstruction, int ef, int exactBelow) {

    public static final IndexKind DEFAULT_KIND = IndexKind.AUTO;
    public static final int DEFAULT_M = 16;
    public static final int DEFAULT_EF_CONSTRUCTION = 200;
    /**
     * Recall@100 ≥ 0.99 on clustered 64-d data from 5k to 100k items (ef 100 gives 0.97 at 5k-10k);
     * at 1M items raise it to 400 (and build with efConstruction 200). See docs/bench/index-search.md.
     */
    public static final int DEFAULT_EF = 200;
    /**
     * Measured exact-vs-HNSW top-100 latency crossover at the default ef (exact is faster up to
     * 50k items, HNSW from 100k); see docs/bench/index-search.md.
     */
    public static final int DEFAULT_EXACT_BELOW = 50_000;

    public static final int MAX_M = 256;
    public static final int MAX_EF = 100_000;

    public static final IndexParams DEFAULTS = new IndexParams(
            DEFAULT_KIND, DEFAULT_M, DEFAULT_EF_CONSTRUCTION, DEFAULT_EF, DEFAULT_EXACT_BELOW);

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
    }

    public IndexParams withKind(IndexKind kind) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow);
    }

    public IndexParams withM(int m) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow);
    }

    public IndexParams withEfConstruction(int efConstruction) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow);
    }

    public IndexParams withEf(int ef) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow);
    }

    public IndexParams withExactBelow(int exactBelow) {
        return new IndexParams(kind, m, efConstruction, ef, exactBelow);
    }

    /** The kind AUTO resolves to for a catalog of {@code count} items; other kinds resolve to themselves. */
    public IndexKind resolve(int count) {
        if (kind != IndexKind.AUTO) {
            return kind;
        }
        return count < exactBelow ? IndexKind.EXACT : IndexKind.HNSW;
    }
}
