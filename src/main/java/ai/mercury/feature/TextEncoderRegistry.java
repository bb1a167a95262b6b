package ai.mercury.feature;

import ai.mercury.core.TextEncoderInfo;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The text encoders a server needs for the bundles it serves, by the manifest's
 * {@code text_encoder}: the quantized all-MiniLM-L6-v2 (loaded once per process, on first use: it
 * takes about a second and ~100 MB) or the test bundles' hashing encoder. Every encoder it returns
 * remembers recent texts in memory, so re-embedding the same titles at a bundle swap does not run
 * MiniLM again. Thread-safe.
 */
public final class TextEncoderRegistry implements AutoCloseable {
    private final int cacheEntries;
    private MiniLmTextEncoder miniLm; // guarded by this
    private TextEncoder cachedMiniLm; // guarded by this

    public TextEncoderRegistry(int cacheEntries) {
        this.cacheEntries = cacheEntries;
    }

    /** The encoder for {@code info}; IllegalArgumentException when Mercury has none of that name and width. */
    public synchronized TextEncoder forBundle(TextEncoderInfo info) {
        if (info.name().equals(MiniLmTextEncoder.NAME) && info.dim() == MiniLmTextEncoder.DIM) {
            if (cachedMiniLm == null) {
                miniLm = MiniLmTextEncoder.load(1, 1);
                cachedMiniLm = new Remembering(miniLm, cacheEntries);
            }
            return cachedMiniLm;
        }
        if (info.name().equals(HashingTextEncoder.NAME)) return new HashingTextEncoder(info.dim());
        throw new IllegalArgumentException("no text encoder '" + info.name() + "' with " + info.dim() + " dimensions in this server (it has "
                + MiniLmTextEncoder.NAME + "/" + MiniLmTextEncoder.DIM + " and " + HashingTextEncoder.NAME + ")");
    }

    @Override
    public synchronized void close() {
        if (miniLm != null) miniLm.close();
        miniLm = null;
        cachedMiniLm = null;
    }

    /** An in-memory LRU of text → vector in front of an encoder (vectors are shared: never modify them). */
    private static final class Remembering implements TextEncoder {
        private final TextEncoder delegate;
        private final Cache<String, float[]> cache;

        Remembering(TextEncoder delegate, int entries) {
            this.delegate = delegate;
            this.cache = Caffeine.newBuilder().maximumSize(entries).build();
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
            return cache.get(text, delegate::embed);
        }
    }
}
