package ai.mercury.index;

import java.util.Arrays;

/**
 * The result of one {@link ItemIndex#search}: parallel arrays of item ordinals and their dot-product
 * scores, best first. The arrays are owned by the result; callers must not modify them.
 */
public record SearchResult(int[] ordinals, float[] scores) {

    public SearchResult {
        if (ordinals.length != scores.length) {
            throw new IllegalArgumentException(
                    ordinals.length + " ordinals but " + scores.length + " scores");
        }
    }

    static final SearchResult EMPTY = new SearchResult(new int[0], new float[0]);

    /** Number of results. */
    public int size() {
        return ordinals.length;
    }

    /** Ordinal of the {@code i}-th best result. */
    public int ordinal(int i) {
        return ordinals[i];
    }

    /** Score (dot product) of the {@code i}-th best result. */
    public float score(int i) {
        return scores[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchResult r
                && Arrays.equals(ordinals, r.ordinals) && Arrays.equals(scores, r.scores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ordinals) + Arrays.hashCode(scores);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SearchResult[");
        for (int i = 0; i < ordinals.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(ordinals[i]).append('=').append(scores[i]);
        }
        return sb.append(']').toString();
    }
}
