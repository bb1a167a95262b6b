package ai.mercury.feature;

import java.util.List;
import java.util.Objects;

/**
 * A {@link TextEncoder} that answers from an {@link EmbeddingCache} and asks its delegate only for
 * texts the cache lacks. Same name and dim as the delegate, so a bundle records the real encoder.
 *
 * <p>Thread-safe when the delegate is. Owns neither the delegate nor the cache: whoever created them
 * closes them.
 */
public final class CachingTextEncoder implements TextEncoder {
    private final TextEncoder delegate;
    private final EmbeddingCache cache;

    public CachingTextEncoder(TextEncoder delegate, EmbeddingCache cache) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.cache = Objects.requireNonNull(cache, "cache");
    }

    public TextEncoder delegate() {
        return delegate;
    }

    public EmbeddingCache cache() {
        return cache;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int dim() {
        return delegate.dim();
    }

    @Override
    public float[] embed(String text) {
        return cache.getOrCompute(text, delegate);
    }

    /** Row {@code i} is the vector of {@code texts.get(i)}; misses are computed together. */
    public float[][] embedAll(List<String> texts) {
        return cache.getOrComputeAll(texts, delegate);
    }
}
