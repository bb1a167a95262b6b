package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HashingTextEncoderTest {
    private final HashingTextEncoder encoder = new HashingTextEncoder(64);

    @Test
    void embed_sameText_isDeterministicAcrossInstances() {
        String text = "White hanging heart t-light holder";
        assertArrayEquals(encoder.embed(text), new HashingTextEncoder(64).embed(text));
        assertEquals(HashingTextEncoder.NAME, encoder.name());
        assertEquals(64, encoder.dim());
        assertEquals(64, encoder.embed(text).length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Jumbo bag red retrospot", "a", "Regency cakestand 3 tier", "72 72 72 72"})
    void embed_nonEmptyText_hasUnitNorm(String text) {
        double sq = 0;
        for (float x : encoder.embed(text)) sq += x * x;
        assertEquals(1.0, Math.sqrt(sq), 1e-5);
    }

    @Test
    void embed_textWithoutTokens_isZeroVectorNotNaN() {
        for (String text : new String[] {"", "   ", "!?-"}) {
            assertArrayEquals(new float[64], encoder.embed(text), "'" + text + "'");
        }
    }

    @Test
    void embed_ignoresCaseAndPunctuation() {
        assertArrayEquals(encoder.embed("red lunch bag"), encoder.embed("RED, Lunch-bag!"));
    }

    @Test
    void embed_textsSharingWords_areCloserThanUnrelatedTexts() {
        float[] heart = encoder.embed("white hanging heart t-light holder");
        float[] redHeart = encoder.embed("red hanging heart t-light holder");
        float[] cake = encoder.embed("set of 3 cake tins pantry design");
        assertTrue(dot(heart, redHeart) > 0.5, "shared words: " + dot(heart, redHeart));
        assertTrue(dot(heart, redHeart) > dot(heart, cake) + 0.3,
                "shared " + dot(heart, redHeart) + " vs unrelated " + dot(heart, cake));
    }

    @Test
    void constructor_dimBelow2_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new HashingTextEncoder(1));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
