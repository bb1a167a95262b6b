package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IndexKindTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource({"auto,AUTO", "AUTO,AUTO", "Hnsw,HNSW", "hnsw,HNSW", "EXACT,EXACT", "' exact ',EXACT"})
    void parse_anyCase_returnsTheKind(String text, IndexKind want) {
        assertEquals(want, IndexKind.parse(text));
    }

    @Test
    void parse_unknown_listsValidValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IndexKind.parse("annoy"));
        assertEquals("unknown index kind 'annoy'; valid values: auto, hnsw, exact", e.getMessage());
    }

    @Test
    void parse_null_listsValidValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IndexKind.parse(null));
        assertEquals("unknown index kind 'null'; valid values: auto, hnsw, exact", e.getMessage());
    }
}
