package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    static final int DIM = 16;
    /** 12 framing bytes + 32 key bytes + 4 bytes a float. */
    static final int RECORD = 12 + 32 + 4 * DIM;

    @TempDir
    Path dir;

    /** Counts how often the real encoder is asked. */
    static final class CountingEncoder implements TextEncoder {
        final TextEncoder inner;
        final AtomicInteger calls = new AtomicInteger();

        CountingEncoder(TextEncoder inner) {
            this.inner = inner;
        }

        @Override public String name() { return inner.name(); }
        @Override public int dim() { return inner.dim(); }
        @Override public float[] embed(String text) {
            calls.incrementAndGet();
            return inner.embed(text);
        }
    }

    static CountingEncoder hashing() {
        return new CountingEncoder(new HashingTextEncoder(DIM));
    }

    @Test
    void getOrCompute_missThenHit_survivesReopen() {
        CountingEncoder enc = hashing();
        float[] expected = new HashingTextEncoder(DIM).embed("red retrospot lunch bag");
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            assertArrayEquals(expected, cache.getOrCompute("red retrospot lunch bag", enc));
            assertArrayEquals(expected, cache.getOrCompute("red retrospot lunch bag", enc));
            assertEquals(1, enc.calls.get());
            assertEquals(new EmbeddingCache.Stats(1, 1, 1, 0), cache.stats());
        }
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            assertArrayEquals(expected, cache.getOrCompute("red retrospot lunch bag", enc));
            assertEquals(1, enc.calls.get(), "served from disk after reopening");
        }
    }

    @Test
    void getOrComputeAll_keepsOrder_computesEachDistinctMissOnce() {
        CountingEncoder enc = hashing();
        HashingTextEncoder plain = new HashingTextEncoder(DIM);
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrCompute("b", enc);
            List<String> texts = List.of("a", "b", "a", "c", "");
            float[][] got = cache.getOrComputeAll(texts, enc);
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(plain.embed(texts.get(i)), got[i]);
            assertEquals(1 + 3, enc.calls.get(), "b cached; a, c and the empty text computed once each");
            got[0][0] = 42f; // callers get their own arrays
            assertNotEquals(42f, cache.getOrCompute("a", enc)[0]);
        }
    }

    @Test
    void tornTail_isSkippedAndTruncated_laterAppendsReadable() throws IOException {
        CountingEncoder enc = hashing();
        Path file;
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two", "three"), enc);
            file = cache.fileFor(enc);
        }
        assertEquals(3L * RECORD, Files.size(file));
        byte[] whole = Files.readAllBytes(file);
        // a crash halfway through writing a fourth record
        Files.write(file, java.util.Arrays.copyOfRange(whole, 0, RECORD / 2), StandardOpenOption.APPEND);
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two", "three"), enc);
            assertEquals(3, enc.calls.get(), "all three survived the torn tail");
            assertEquals(RECORD / 2, cache.stats().skippedBytes());
            assertEquals(3L * RECORD, Files.size(file), "tail truncated to the last whole record");
            cache.getOrCompute("four", enc);
        }
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two", "three", "four"), enc);
            assertEquals(4, enc.calls.get());
            assertEquals(0, cache.stats().skippedBytes());
        }
    }

    @Test
    void corruptRecordInTheMiddle_onlyThatOneRecomputed() throws IOException {
        CountingEncoder enc = hashing();
        Path file;
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two", "three"), enc);
            file = cache.fileFor(enc);
        }
        flipByte(file, RECORD + 50); // a float of "two"
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            float[][] got = cache.getOrComputeAll(List.of("one", "two", "three"), enc);
            assertEquals(4, enc.calls.get(), "only the corrupt record is recomputed");
            assertArrayEquals(new HashingTextEncoder(DIM).embed("two"), got[1]);
            assertEquals(RECORD, cache.stats().skippedBytes());
        }
    }

    @Test
    void tornRecordFollowedByWholeOnes_resynchronises() throws IOException {
        CountingEncoder enc = hashing();
        Path file;
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two"), enc);
            file = cache.fileFor(enc);
        }
        byte[] whole = Files.readAllBytes(file);
        // process A died mid-record; process B appended two whole records after the fragment
        byte[] spliced = new byte[RECORD + 7 + 2 * RECORD];
        System.arraycopy(whole, 0, spliced, 0, RECORD);
        System.arraycopy(whole, RECORD, spliced, RECORD, 7);
        System.arraycopy(whole, 0, spliced, RECORD + 7, 2 * RECORD);
        Files.write(file, spliced);
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(List.of("one", "two"), enc);
            assertEquals(2, enc.calls.get(), "\"two\" found after the fragment");
            assertEquals(7, cache.stats().skippedBytes());
        }
    }

    @Test
    void garbageFile_readsAsEmpty_andIsRepaired() throws IOException {
        CountingEncoder enc = hashing();
        Path file;
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            file = cache.fileFor(enc);
        }
        byte[] junk = new byte[3 * RECORD + 5];
        new java.util.Random(7).nextBytes(junk);
        Files.write(file, junk);
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            assertArrayEquals(new HashingTextEncoder(DIM).embed("x"), cache.getOrCompute("x", enc));
            assertEquals(junk.length, cache.stats().skippedBytes());
        }
        assertEquals(RECORD, Files.size(file));
    }

    @Test
    void encodersWithDifferentIdentity_neverShareEntries() {
        CountingEncoder small = new CountingEncoder(new HashingTextEncoder(8));
        CountingEncoder large = new CountingEncoder(new HashingTextEncoder(DIM));
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            assertEquals(8, cache.getOrCompute("lunch bag", small).length);
            assertEquals(DIM, cache.getOrCompute("lunch bag", large).length);
            assertEquals(1, large.calls.get());
            assertNotEquals(cache.fileFor(small), cache.fileFor(large));
        }
        EmbeddingCache.Identity a = new EmbeddingCache.Identity("all-MiniLM-L6-v2-q", "onnx-sha256=aa");
        EmbeddingCache.Identity b = new EmbeddingCache.Identity("all-MiniLM-L6-v2-q", "onnx-sha256=ab");
        assertNotEquals(a.key("lunch bag"), b.key("lunch bag"), "the model hash is part of the key");
        assertNotEquals(a.key("lunch bag"), a.key("lunch bag "));
    }

    @Test
    void concurrentCallers_andTwoCachesOnOneDirectory_allEntriesLand() throws Exception {
        CountingEncoder enc = hashing();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 200; i++) texts.add("title " + i);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (EmbeddingCache first = EmbeddingCache.open(dir); EmbeddingCache second = EmbeddingCache.open(dir)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                EmbeddingCache cache = w % 2 == 0 ? first : second;
                int offset = w;
                jobs.add(pool.submit(() -> {
                    for (int i = 0; i < texts.size(); i++) {
                        String t = texts.get((i + offset * 50) % texts.size());
                        assertArrayEquals(new HashingTextEncoder(DIM).embed(t), cache.getOrCompute(t, enc));
                    }
                }));
            }
            for (Future<?> f : jobs) f.get();
        } finally {
            pool.shutdownNow();
        }
        int computed = enc.calls.get();
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            cache.getOrComputeAll(texts, enc);
            assertEquals(computed, enc.calls.get(), "every text was on disk");
            assertEquals(0, cache.stats().skippedBytes());
            assertTrue(cache.stats().entries() == texts.size());
        }
    }

    @Test
    void cachingTextEncoder_sameNameDimAndVectors() {
        CountingEncoder enc = hashing();
        try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
            CachingTextEncoder caching = new CachingTextEncoder(enc, cache);
            assertEquals(HashingTextEncoder.NAME, caching.name());
            assertEquals(DIM, caching.dim());
            assertArrayEquals(new HashingTextEncoder(DIM).embed("tea cup"), caching.embed("tea cup"));
            assertArrayEquals(new HashingTextEncoder(DIM).embed("tea cup"), caching.embedAll(List.of("tea cup"))[0]);
            assertEquals(1, enc.calls.get());
            // wrapping twice still keys by the real encoder
            assertEquals(cache.fileFor(enc), cache.fileFor(new CachingTextEncoder(caching, cache)));
        }
    }

    @Test
    void closedCache_refusesCalls() {
        EmbeddingCache cache = EmbeddingCache.open(dir);
        cache.close();
        cache.close();
        assertThrows(IllegalStateException.class, () -> cache.getOrCompute("x", hashing()));
    }

    @Test
    void defaultDir_followsSystemProperty() {
        String before = System.getProperty(EmbeddingCache.DIR_PROPERTY);
        try {
            System.setProperty(EmbeddingCache.DIR_PROPERTY, dir.resolve("elsewhere").toString());
            assertEquals(dir.resolve("elsewhere"), EmbeddingCache.defaultDir());
        } finally {
            if (before == null) System.clearProperty(EmbeddingCache.DIR_PROPERTY);
            else System.setProperty(EmbeddingCache.DIR_PROPERTY, before);
        }
        if (System.getenv(EmbeddingCache.DIR_ENV) == null && System.getenv("XDG_CACHE_HOME") == null) {
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "mercury", "embeddings"), EmbeddingCache.defaultDir());
        }
    }

    static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.flip();
            byte v = b.get(0);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (v ^ 0x5A)}), at);
        }
    }
}
