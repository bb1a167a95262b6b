package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ItemIndexesTest {

    private final ClusteredVectors gen = new ClusteredVectors(16, 5);

    @Test
    void build_autoBelowExactBelow_isExact() {
        IndexParams p = IndexParams.DEFAULTS.withExactBelow(300);
        try (ItemIndex index = ItemIndexes.build(gen.items(299, 1), p)) {
            assertEquals("exact", index.kind());
        }
    }

    @Test
    void build_autoAtExactBelow_isHnsw() {
        IndexParams p = IndexParams.DEFAULTS.withExactBelow(300);
        try (ItemIndex index = ItemIndexes.build(gen.items(300, 1), p)) {
            assertEquals("hnsw", index.kind());
            assertEquals(300, index.size());
        }
        try (ItemIndex index = ItemIndexes.build(gen.items(301, 1), p)) {
            assertEquals("hnsw", index.kind());
        }
    }

    @Test
    void build_explicitKind_ignoresExactBelow() {
        IndexParams p = IndexParams.DEFAULTS.withExactBelow(300);
        try (ItemIndex index = ItemIndexes.build(gen.items(1_000, 1), p.withKind(IndexKind.EXACT))) {
            assertEquals("exact", index.kind());
        }
        try (ItemIndex index = ItemIndexes.build(gen.items(10, 1), p.withKind(IndexKind.HNSW))) {
            assertEquals("hnsw", index.kind());
        }
    }

    @Test
    void build_autoWithDefaults_usesTheMeasuredCrossover() {
        assertEquals(IndexKind.EXACT, IndexParams.DEFAULTS.resolve(IndexParams.DEFAULT_EXACT_BELOW - 1));
        assertEquals(IndexKind.HNSW, IndexParams.DEFAULTS.resolve(IndexParams.DEFAULT_EXACT_BELOW));
    }
}
