package ai.mercury.feature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An on-disk cache of text embeddings, so that re-training or re-bundling does not re-run the text
 * model over the same titles.
 *
 * <p>An entry's key is {@code sha256(name NUL fingerprint NUL text)} (UTF-8), where {@code name} is
 * the encoder's {@link TextEncoder#name()} and {@code fingerprint} identifies the exact weights and
 * settings: for {@link MiniLmTextEncoder} its {@link MiniLmTextEncoder#fingerprint()} (the model
 * file's sha256 plus truncation and pooling); for any other encoder {@code dim=<dim>}, which is
 * enough only for deterministic, weight-free encoders such as {@link HashingTextEncoder}. Each
 * encoder identity has its own append-only file {@code <dir>/<name>-<12 hex>.emb}, framed and
 * checksummed record by record so that a torn write loses at most the records it was writing (see
 * {@link EmbeddingShard}).
 *
 * <p>Default directory: system property {@value #DIR_PROPERTY}, else environment variable
 * {@value #DIR_ENV}, else {@code $XDG_CACHE_HOME/mercury/embeddings}, else
 * {@code ~/.cache/mercury/embeddings} — outside the repository.
 *
 * <p><b>Thread-safety:</b> all methods may be called from any number of threads; several processes
 * may share a directory. <b>Ownership:</b> the creator closes the cache; it does not own the
 * encoders passed to it.
 */
public final class EmbeddingCache implements AutoCloseable {
    public static final String DIR_PROPERTY = "mercury.embeddingCache.dir";
    public static final String DIR_ENV = "MERCURY_EMBEDDING_CACHE";
    static final String FILE_SUFFIX = ".emb";

    private final Path dir;
    private final Map<String, EmbeddingShard> shards = new ConcurrentHashMap<>();
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile boolean closed;

    /** Hit and miss counts since this cache was opened, entries and skipped bytes over open files. */
    public record Stats(long hits, long misses, long entries, long skippedBytes) {}

    private EmbeddingCache(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating if needed) the cache directory {@code dir}. */
    public static EmbeddingCache open(Path dir) {
        Objects.requireNonNull(dir, "dir");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create embedding cache directory " + dir, e);
        }
        return new EmbeddingCache(dir.toAbsolutePath().normalize());
    }

    /** Opens the {@linkplain #defaultDir() default directory}. */
    public static EmbeddingCache openDefault() {
        return open(defaultDir());
    }

    public static Path defaultDir() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured == null || configured.isBlank()) configured = System.getenv(DIR_ENV);
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("mercury").resolve("embeddings");
    }

    public Path dir() {
        return dir;
    }

    /** The vector of {@code text} under {@code encoder}: from disk if cached, else computed and stored. */
    public float[] getOrCompute(String text, TextEncoder encoder) {
        return getOrComputeAll(List.of(text), encoder)[0];
    }

    /**
     * The vectors of {@code texts} (row {@code i} for {@code texts.get(i)}). Misses are de-duplicated,
     * computed together ({@link MiniLmTextEncoder#embedAll} when the encoder is one) and appended in
     * one write.
     */
    public float[][] getOrComputeAll(List<String> texts, TextEncoder encoder) {
        Objects.requireNonNull(encoder, "encoder");
        for (String t : texts) Objects.requireNonNull(t, "texts contains null");
        TextEncoder base = unwrap(encoder);
        lifecycle.readLock().lock();
        try {
            if (closed) throw new IllegalStateException("EmbeddingCache " + dir + " is closed");
            Identity id = identity(base);
            EmbeddingShard shard = shard(id, base.dim());
            float[][] out = new float[texts.size()][];
            Map<String, Key> missing = new LinkedHashMap<>();
            for (int i = 0; i < out.length; i++) {
                Key key = id.key(texts.get(i));
                out[i] = shard.get(key);
                if (out[i] == null) missing.putIfAbsent(texts.get(i), key);
            }
            if (!missing.isEmpty()) {
                List<String> todo = new ArrayList<>(missing.keySet());
                float[][] computed = base instanceof MiniLmTextEncoder m ? m.embedAll(todo) : embedEach(base, todo);
                List<float[]> vectors = new ArrayList<>(computed.length);
                for (float[] v : computed) {
                    if (v == null || v.length != base.dim()) {
                        throw new IllegalStateException("encoder " + base.name() + " returned a vector of dim "
                                + (v == null ? "null" : v.length) + ", expected " + base.dim());
                    }
                    vectors.add(v);
                }
                shard.append(new ArrayList<>(missing.values()), vectors);
                Map<String, float[]> byText = new HashMap<>();
                for (int j = 0; j < todo.size(); j++) byText.put(todo.get(j), computed[j]);
                for (int i = 0; i < out.length; i++) {
                    if (out[i] == null) out[i] = byText.get(texts.get(i)).clone();
                }
            }
            misses.addAndGet(missing.size());
            hits.addAndGet(texts.size() - missing.size());
            return out;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public Stats stats() {
        long entries = 0, skipped = 0;
        for (EmbeddingShard s : shards.values()) {
            entries += s.size();
            skipped += s.skippedBytes();
        }
        return new Stats(hits.get(), misses.get(), entries, skipped);
    }

    /** The file that holds {@code encoder}'s vectors (it exists once the encoder has been used). */
    public Path fileFor(TextEncoder encoder) {
        return dir.resolve(identity(unwrap(encoder)).fileName());
    }

    /** Flushes and closes every open file; idempotent; waits for running calls. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            IOException first = null;
            for (EmbeddingShard s : shards.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    if (first == null) first = e;
                }
            }
            shards.clear();
            if (first != null) throw new UncheckedIOException("closing embedding cache " + dir, first);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private EmbeddingShard shard(Identity id, int dim) {
        return shards.computeIfAbsent(id.fileName(), f -> {
            try {
                return EmbeddingShard.open(dir.resolve(f), dim);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open embedding cache file " + dir.resolve(f), e);
            }
        });
    }

    private static float[][] embedEach(TextEncoder encoder, List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) out[i] = encoder.embed(texts.get(i));
        return out;
    }

    private static TextEncoder unwrap(TextEncoder encoder) {
        while (encoder instanceof CachingTextEncoder c) encoder = c.delegate();
        return encoder;
    }

    static Identity identity(TextEncoder encoder) {
        String fingerprint = encoder instanceof MiniLmTextEncoder m ? m.fingerprint() : "dim=" + encoder.dim();
        return new Identity(encoder.name(), fingerprint);
    }

    /** An encoder's name and fingerprint: everything besides the text that a vector depends on. */
    record Identity(String name, String fingerprint) {
        Key key(String text) {
            MessageDigest md = sha256();
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(fingerprint.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(text.getBytes(StandardCharsets.UTF_8));
            return Key.read(ByteBuffer.wrap(md.digest()), 0);
        }

        String fileName() {
            MessageDigest md = sha256();
            md.update((name + '\0' + fingerprint).getBytes(StandardCharsets.UTF_8));
            String safe = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "_");
            return safe + "-" + HexFormat.of().formatHex(md.digest(), 0, 6) + FILE_SUFFIX;
        }
    }

    /** A 256-bit key as four longs (cheap equals and hashCode). */
    record Key(long a, long b, long c, long d) {
        static Key read(ByteBuffer buf, int at) {
            return new Key(buf.getLong(at), buf.getLong(at + 8), buf.getLong(at + 16), buf.getLong(at + 24));
        }

        void write(ByteBuffer buf) {
            buf.putLong(a).putLong(b).putLong(c).putLong(d);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }
}
