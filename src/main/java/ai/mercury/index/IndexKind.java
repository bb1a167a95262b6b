package ai.mercury.index;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which {@link ItemIndex} implementation to build. */
public enum IndexKind {
    /** Exact below {@link IndexParams#exactBelow()} items, HNSW at or above. */
    AUTO,
    /** Approximate: hierarchical navigable small-world graph. */
    HNSW,
    /** Brute-force scan of every item. */
    EXACT;

    /**
     * Parses a kind case-insensitively ({@code "auto"}, {@code "hnsw"}, {@code "exact"}).
     *
     * @throws IllegalArgumentException naming the valid values when {@code s} is none of them
     */
    public static IndexKind parse(String s) {
        if (s != null) {
            String t = s.trim().toUpperCase(Locale.ROOT);
            for (IndexKind k : values()) {
                if (k.name().equals(t)) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("unknown index kind '" + s + "'; valid values: "
                + Arrays.stream(values()).map(IndexKind::label).collect(Collectors.joining(", ")));
    }

    /** The lower-case name used in configuration and in {@link ItemIndex#kind()}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
