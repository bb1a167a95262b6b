package ai.mercury.feature;

import java.util.Locale;

/**
 * A dependency-free text encoder: lower-cased alphanumeric tokens and their bigrams hashed into
 * {@code dim} signed buckets, L2-normalised. Texts sharing words get similar vectors. Used by the
 * untrained bootstrap bundle and the test fixtures, which must not need the MiniLM model; trained
 * bundles record {@code all-MiniLM-L6-v2} as their encoder instead. Thread-safe.
 */
public final class HashingTextEncoder implements TextEncoder {
    public static final String NAME = "hashing-bow";
    private final int dim;

    public HashingTextEncoder(int dim) {
        if (dim < 2) throw new IllegalArgumentException("dim must be >= 2");
        this.dim = dim;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public float[] embed(String text) {
        float[] v = new float[dim];
        String[] tokens = text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
        String previous = null;
        for (String token : tokens) {
            if (token.isEmpty()) continue;
            add(v, mix(token.hashCode()), 1f);
            if (previous != null) add(v, mix(previous.hashCode() * 31 + token.hashCode() + 0x9E3779B9), 0.5f);
            previous = token;
        }
        double norm = 0;
        for (float x : v) norm += x * x;
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < dim; i++) v[i] *= inv;
        }
        return v;
    }

    private void add(float[] v, int h, float weight) {
        v[Math.floorMod(h, dim)] += (h & 0x40000000) == 0 ? weight : -weight;
    }

    /** murmur3's finaliser: spreads String.hashCode's low-entropy bits. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
