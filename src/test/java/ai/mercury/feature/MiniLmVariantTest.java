package ai.mercury.feature;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float32 original (the evaluation's text_knn) and the quantized export agree closely but not exactly. */
class MiniLmVariantTest {
    @Test
    void fullAndQuantized_areNamedApart_andNearlyParallel() {
        String text = "WHITE HANGING HEART T-LIGHT HOLDER";
        try (MiniLmTextEncoder full = MiniLmTextEncoder.load(MiniLmTextEncoder.Variant.FULL, 1, 1);
             MiniLmTextEncoder q = MiniLmTextEncoder.load(MiniLmTextEncoder.Variant.QUANTIZED, 1, 1)) {
            assertEquals("all-MiniLM-L6-v2", full.name());
            assertEquals("all-MiniLM-L6-v2-q", q.name());
            assertNotEquals(full.modelSha256(), q.modelSha256(), "distinct weights, so distinct cache keys");
            float[] a = full.embed(text);
            float[] b = q.embed(text);
            double dot = 0;
            for (int i = 0; i < a.length; i++) dot += a[i] * b[i];
            assertTrue(dot > 0.95 && dot < 0.99999, "cosine " + dot);
        }
    }
}
