package ai.mercury.eval;

/**
 * One method's figures on one slice: means over the slice's queries, coverage over the catalog.
 * For {@link Slice#COLD_ITEM} only {@code queries} and {@code recall100} are defined (the others
 * are NaN). Immutable.
 */
public record SliceResult(int queries, double recall10, double recall100, double ndcg10, double hitRate10, double coverage10) {
    public static SliceResult coldItem(int queries, double recall100) {
        return new SliceResult(queries, Double.NaN, recall100, Double.NaN, Double.NaN, Double.NaN);
    }
}
