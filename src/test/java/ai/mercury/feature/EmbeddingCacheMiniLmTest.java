package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheMiniLmTest {
    @TempDir
    Path dir;

    @Test
    void miniLm_throughCache_bitIdenticalToDirect_fileNamedByModel() throws Exception {
        try (MiniLmTextEncoder enc = MiniLmTextEncoder.load(1, 2)) {
            float[][] direct = enc.embedAll(MiniLmTextEncoderTest.TEXTS);
            try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
                CachingTextEncoder caching = new CachingTextEncoder(enc, cache);
                float[][] cold = caching.embedAll(MiniLmTextEncoderTest.TEXTS);
                for (int i = 0; i < direct.length; i++) assertArrayEquals(direct[i], cold[i], 0f);
                Path file = cache.fileFor(enc);
                assertTrue(file.getFileName().toString().startsWith("all-minilm-l6-v2-q-"), file.toString());
                long distinct = MiniLmTextEncoderTest.TEXTS.stream().distinct().count();
                assertEquals(distinct * (12 + 32 + 4 * 384), Files.size(file));
            }
            try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
                float[][] warm = cache.getOrComputeAll(MiniLmTextEncoderTest.TEXTS, enc);
                for (int i = 0; i < direct.length; i++) assertArrayEquals(direct[i], warm[i], 0f);
                assertEquals(0, cache.stats().misses());
            }
        }
    }
}
