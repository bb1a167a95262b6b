package ai.mercury.index;

/** Argument checks shared by the index implementations. */
final class Searches {

    private Searches() {}

    static void check(float[] query, int k, int dim) {
        if (query == null) {
            throw new IllegalArgumentException("query vector must not be null");
        }
        if (query.length != dim) {
            throw new IllegalArgumentException(
                    "query has " + query.length + " dimensions, the index has " + dim);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
    }
}
