package ai.mercury.feature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * One append-only cache file holding the vectors of one encoder (one name, fingerprint and dim).
 *
 * <p>Record layout, big-endian: {@code magic u32 'MEMB' | len u32 (= 32 + 4·dim) | key 32 bytes |
 * dim × float32 | crc32c u32} with the CRC over {@code len}, key and floats. Opening scans the file
 * and indexes every valid record (key → offset); a record that is short, has the wrong length or a
 * bad CRC is skipped by searching forward for the next valid one, so a torn write never poisons the
 * records behind it; invalid bytes at the end (the usual torn tail) are truncated away so that
 * appends start on a record boundary. Later reads re-check the CRC.
 *
 * <p>Writers in several processes are serialised by an exclusive {@link FileLock} on the file held
 * for each append (and for the open-time scan); within this JVM a per-path lock comes first, because
 * two channels of one JVM may not hold overlapping file locks. Records that another process appends
 * after this shard was opened are not seen until the next open (they are then merely duplicates).
 *
 * <p>Thread-safe. Owned and closed by {@link EmbeddingCache}.
 */
final class EmbeddingShard implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddingShard.class.getName());
    static final int MAGIC = 0x4D454D42; // "MEMB"
    static final int KEY_BYTES = 32;
    /** magic + len + crc around the payload. */
    private static final int FRAME_BYTES = 12;
    private static final int SCAN_WINDOW = 1 << 22;
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final int dim;
    private final int recordBytes;
    private final FileChannel channel;
    private final ReentrantLock jvmLock;
    private final Map<EmbeddingCache.Key, Long> index = new ConcurrentHashMap<>();
    private final long skippedBytes;

    private EmbeddingShard(Path file, int dim, FileChannel channel, ReentrantLock jvmLock, long skippedBytes) {
        this.file = file;
        this.dim = dim;
        this.recordBytes = FRAME_BYTES + KEY_BYTES + 4 * dim;
        this.channel = channel;
        this.jvmLock = jvmLock;
        this.skippedBytes = skippedBytes;
    }

    static EmbeddingShard open(Path file, int dim) throws IOException {
        Path canonical = file.toAbsolutePath().normalize();
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(canonical, p -> new ReentrantLock());
        FileChannel ch = FileChannel.open(canonical, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            jvmLock.lock();
            try (FileLock ignored = ch.lock()) {
                Scan scan = new Scan(ch, dim);
                scan.run();
                EmbeddingShard shard = new EmbeddingShard(canonical, dim, ch, jvmLock, scan.skipped);
                shard.index.putAll(scan.found);
                if (scan.validEnd < ch.size()) {
                    LOG.warning(() -> "embedding cache " + canonical + ": dropping " + (scan.tailBytes())
                            + " bytes of torn tail after offset " + scan.validEnd);
                    ch.truncate(scan.validEnd);
                }
                if (scan.skipped > scan.tailBytes()) {
                    LOG.warning(() -> "embedding cache " + canonical + ": skipped "
                            + (scan.skipped - scan.tailBytes()) + " bytes of invalid records");
                }
                return shard;
            } finally {
                jvmLock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    int size() {
        return index.size();
    }

    long skippedBytes() {
        return skippedBytes;
    }

    boolean contains(EmbeddingCache.Key key) {
        return index.containsKey(key);
    }

    /** The cached vector, or null if absent (or if its record no longer verifies). */
    float[] get(EmbeddingCache.Key key) {
        Long offset = index.get(key);
        if (offset == null) return null;
        ByteBuffer buf = ByteBuffer.allocate(recordBytes);
        try {
            while (buf.hasRemaining()) {
                if (channel.read(buf, offset + buf.position()) < 0) break;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read embedding cache " + file, e);
        }
        buf.flip();
        if (buf.remaining() != recordBytes || !valid(buf, 0, dim) || !key.equals(EmbeddingCache.Key.read(buf, 8))) {
            index.remove(key, offset);
            LOG.warning(() -> "embedding cache " + file + ": record at " + offset + " no longer verifies; recomputing");
            return null;
        }
        float[] v = new float[dim];
        buf.position(8 + KEY_BYTES);
        buf.asFloatBuffer().get(v);
        return v;
    }

    /** Appends the records whose keys are not yet indexed, in one write under the file lock. */
    void append(List<EmbeddingCache.Key> keys, List<float[]> vectors) {
        jvmLock.lock();
        try {
            ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(keys.size(), recordBytes));
            int[] positions = new int[keys.size()];
            boolean[] fresh = new boolean[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                if (index.containsKey(keys.get(i))) continue;
                float[] v = vectors.get(i);
                if (v.length != dim) throw new IllegalArgumentException("vector has dim " + v.length + ", cache expects " + dim);
                fresh[i] = true;
                positions[i] = buf.position();
                write(buf, keys.get(i), v);
            }
            buf.flip();
            if (!buf.hasRemaining()) return;
            try (FileLock ignored = channel.lock()) {
                long base = channel.size();
                long at = base;
                while (buf.hasRemaining()) at += channel.write(buf, at);
                for (int i = 0; i < keys.size(); i++) {
                    if (fresh[i]) index.putIfAbsent(keys.get(i), base + positions[i]);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to embedding cache " + file, e);
            }
        } finally {
            jvmLock.unlock();
        }
    }

    private void write(ByteBuffer buf, EmbeddingCache.Key key, float[] v) {
        int start = buf.position();
        buf.putInt(MAGIC).putInt(KEY_BYTES + 4 * dim);
        key.write(buf);
        for (float x : v) buf.putFloat(x);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), start + 4, buf.position() - start - 4);
        buf.putInt((int) crc.getValue());
    }

    /** Whether a whole, well-framed record for {@code dim} starts at {@code at} in {@code buf}. */
    static boolean valid(ByteBuffer buf, int at, int dim) {
        int len = KEY_BYTES + 4 * dim;
        if (buf.limit() - at < FRAME_BYTES + len) return false;
        if (buf.getInt(at) != MAGIC || buf.getInt(at + 4) != len) return false;
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), buf.arrayOffset() + at + 4, 4 + len);
        return (int) crc.getValue() == buf.getInt(at + 8 + len);
    }

    @Override
    public void close() throws IOException {
        try {
            channel.force(false);
        } finally {
            channel.close();
        }
    }

    /** The open-time scan: valid records indexed, invalid byte runs skipped and counted. */
    private static final class Scan {
        final FileChannel ch;
        final int dim;
        final int recordBytes;
        final Map<EmbeddingCache.Key, Long> found = new HashMap<>();
        long skipped;
        long validBytes;
        /** End of the last valid record. */
        long validEnd;
        long size;

        Scan(FileChannel ch, int dim) {
            this.ch = ch;
            this.dim = dim;
            this.recordBytes = FRAME_BYTES + KEY_BYTES + 4 * dim;
        }

        long tailBytes() {
            return size - validEnd;
        }

        void run() throws IOException {
            size = ch.size();
            ByteBuffer window = ByteBuffer.allocate(Math.max(SCAN_WINDOW, 2 * recordBytes));
            long windowStart = 0;
            window.limit(0);
            long p = 0;
            while (p + recordBytes <= size) {
                if (p < windowStart || p + recordBytes > windowStart + window.limit()) {
                    windowStart = p;
                    window.clear();
                    while (window.hasRemaining() && ch.read(window, windowStart + window.position()) > 0) {
                        // fill the window
                    }
                    window.flip();
                }
                int at = (int) (p - windowStart);
                if (valid(window, at, dim)) {
                    found.putIfAbsent(EmbeddingCache.Key.read(window, at + 8), p);
                    validBytes += recordBytes;
                    p += recordBytes;
                    validEnd = p;
                } else {
                    p++; // resynchronise on the next offset that frames a valid record
                }
            }
            skipped = size - validBytes;
        }
    }
}
