package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IndexParamsTest {

    @Test
    void defaults_areTheNamedConstants() {
        IndexParams d = IndexParams.DEFAULTS;
        assertEquals(IndexKind.AUTO, d.kind());
        assertEquals(16, d.m());
        assertEquals(200, d.efConstruction());
        assertEquals(IndexParams.DEFAULT_EF, d.ef());
        assertEquals(IndexParams.DEFAULT_EXACT_BELOW, d.exactBelow());
    }

    @ParameterizedTest(name = "m={0} efConstruction={1} ef={2} exactBelow={3}")
    @CsvSource(delimiter = '|', textBlock = """
            1   | 200    | 100    | 0  | index m (HNSW links per node) must be between 2 and 256, got 1
            257 | 200    | 100    | 0  | index m (HNSW links per node) must be between 2 and 256, got 257
            16  | 0      | 100    | 0  | index efConstruction must be between 1 and 100000, got 0
            16  | 200    | 0      | 0  | index ef must be between 1 and 100000, got 0
            16  | 200    | 100001 | 0  | index ef must be between 1 and 100000, got 100001
            16  | 200    | 100    | -1 | index exactBelow must be 0 or more (0 = never exact under auto), got -1
            """)
    void constructor_outOfRange_namesTheParameterAndValue(int m, int efc, int ef, int exactBelow, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IndexParams(IndexKind.AUTO, m, efc, ef, exactBelow));
        assertEquals(message, e.getMessage());
    }

    @Test
    void constructor_nullKind_listsValidValues() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new IndexParams(null, 16, 200, 100, 0));
        assertEquals("index kind must not be null; valid values: auto, hnsw, exact", e.getMessage());
    }

    @Test
    void resolve_auto_exactBelowThresholdHnswAtAndAbove() {
        IndexParams p = IndexParams.DEFAULTS.withExactBelow(1_000);
        assertEquals(IndexKind.EXACT, p.resolve(0));
        assertEquals(IndexKind.EXACT, p.resolve(999));
        assertEquals(IndexKind.HNSW, p.resolve(1_000));
        assertEquals(IndexKind.HNSW, p.resolve(1_001));
        assertEquals(IndexKind.HNSW, p.withExactBelow(0).resolve(0));
        assertEquals(IndexKind.EXACT, p.withKind(IndexKind.EXACT).resolve(5_000_000));
        assertEquals(IndexKind.HNSW, p.withKind(IndexKind.HNSW).resolve(1));
    }
}
