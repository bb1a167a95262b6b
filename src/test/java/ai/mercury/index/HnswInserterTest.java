package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live inserts into Mercury's own layers ({@link HnswInserter}): inserted items are found, a graph
 * grown entirely by inserts recalls like hnswlib's bulk build, the layers stay structurally valid,
 * removed items get no new links, and renumbering keeps answers after inserts.
 */
class HnswInserterTest {
    private static final int DIM = 32;
    private static final IndexParams P = new IndexParams(IndexKind.HNSW, 8, 64, 64, 0);

    @Test
    void graphGrownOnlyByInserts_recallsLikeTheBulkBuild() throws Exception {
        ClusteredVectors gen = new ClusteredVectors(DIM, 40, 0.1, 1);
        Vectors all = gen.items(4_000, 2);
        float[][] queries = gen.queries(200, 3);
        ItemIndex exact = ItemIndexes.exact(all);
        double bulk;
        try (ItemIndex built = HnswItemIndex.build(all, P, 1)) {
            bulk = ClusteredVectors.recall(built, exact, queries, 100);
        }
        try (HnswItemIndex grown = HnswItemIndex.build(new Vectors(0, DIM, new float[0]), P, 1)) {
            for (int i = 0; i < all.count(); i++) grown.add(i, all.row(i));
            double live = ClusteredVectors.recall(grown, exact, queries, 100);
            assertTrue(live >= bulk - 0.01, "recall@100 grown by inserts " + live + ", bulk build " + bulk);
            assertTrue(live >= 0.95, "recall@100 grown by inserts " + live);
            assertDoesNotThrow(() -> HnswGraphCheck.check(grown.layers(), all.count()));
            int upper = 0;
            HnswLayers.State s = grown.layers().state();
            for (int i = 0; i < all.count(); i++) if (grown.layers().level(s, i) > 0) upper++;
            // a node reaches layer 1 with probability 1/M
            assertTrue(upper > all.count() / 8 * 0.7 && upper < all.count() / 8 * 1.3, upper + " of " + all.count() + " above layer 0");
        }
    }

    @Test
    void insertedItems_areFoundByTheirOwnVectors_andRecallHolds() {
        ClusteredVectors gen = new ClusteredVectors(DIM, 40, 0.1, 11);
        Vectors base = gen.items(3_000, 12);
        Vectors extra = gen.items(3_000, 13);
        try (HnswItemIndex index = HnswItemIndex.build(base, P, 1)) {
            for (int i = 0; i < extra.count(); i++) index.add(3_000 + i, extra.row(i));
            int found = 0;
            for (int i = 0; i < extra.count(); i++) {
                for (int o : index.search(extra.row(i), 10).ordinals()) found += o == 3_000 + i ? 1 : 0;
            }
            assertTrue(found >= 0.99 * extra.count(), found + " of " + extra.count() + " inserted items found by their own vector");
            float[] both = new float[6_000 * DIM];
            System.arraycopy(base.data(), 0, both, 0, base.data().length);
            System.arraycopy(extra.data(), 0, both, base.data().length, extra.data().length);
            double recall = ClusteredVectors.recall(index, ItemIndexes.exact(new Vectors(6_000, DIM, both)), gen.queries(200, 14), 100);
            assertTrue(recall >= 0.95, "recall@100 over built + inserted rows " + recall);
            assertDoesNotThrow(() -> HnswGraphCheck.check(index.layers(), 6_000));
        }
    }

    @Test
    void removedItems_areNeverReturned_andGetNoNewLinks() {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 21);
        Vectors base = gen.items(2_000, 22);
        try (HnswItemIndex index = HnswItemIndex.build(base, P, 1)) {
            java.util.BitSet removed = new java.util.BitSet();
            for (int i = 0; i < 2_000; i += 3) {
                assertTrue(index.remove(i));
                removed.set(i);
            }
            Vectors extra = gen.items(500, 23);
            for (int i = 0; i < 500; i++) index.add(2_000 + i, extra.row(i));
            HnswLayers.State s = index.layers().state();
            int stride = index.layers().maxM0() + 1;
            for (int node = 2_000; node < 2_500; node++) {
                for (int j = 0, n = s.level0()[node * stride]; j < n; j++) {
                    assertFalse(removed.get(s.level0()[node * stride + 1 + j]), "inserted node " + node + " links to a removed one");
                }
            }
            for (float[] q : gen.queries(50, 24)) {
                for (int o : index.search(q, 100).ordinals()) assertFalse(removed.get(o), "removed " + o + " returned");
            }
            int found = 0;
            for (int i = 0; i < 500; i++) {
                for (int o : index.search(extra.row(i), 10).ordinals()) found += o == 2_000 + i ? 1 : 0;
            }
            assertTrue(found >= 490, found + " of 500 inserted among removed waypoints found");
        }
    }

    @Test
    void renumberedIndex_insertsLikeAnyOther() {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 31);
        Vectors base = gen.items(2_000, 32);
        try (HnswItemIndex index = HnswItemIndex.build(base, P, 1)) {
            assertTrue(ItemIndexes.inGraphOrder(index) != null);
            Vectors extra = gen.items(1_000, 33);
            for (int i = 0; i < 1_000; i++) index.add(2_000 + i, extra.row(i));
            int found = 0;
            for (int i = 0; i < 1_000; i++) found += index.search(extra.row(i), 1).ordinal(0) == 2_000 + i ? 1 : 0;
            assertTrue(found >= 990, found + " of 1000");
            assertDoesNotThrow(() -> HnswGraphCheck.check(index.layers(), 3_000));
        }
    }

    @Test
    void levels_areDeterministicPerOrdinal_andBounded() {
        HnswInserter a = new HnswInserter(HnswLayers.empty(8, 16, 1), 8, 64);
        HnswInserter b = new HnswInserter(HnswLayers.empty(8, 16, 1), 8, 64);
        int max = 0;
        for (int i = 0; i < 100_000; i++) {
            assertEquals(a.levelOf(i), b.levelOf(i));
            max = Math.max(max, a.levelOf(i));
        }
        assertTrue(max >= 3 && max <= HnswInserter.MAX_LEVEL, "highest level over 100k ordinals " + max);
    }

    @Test
    void indexWithLiveAdds_cannotBeWritten(@TempDir Path dir) {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 41);
        try (HnswItemIndex index = HnswItemIndex.build(gen.items(500, 42), P, 1)) {
            index.add(500, gen.queries(1, 43)[0]);
            assertThrows(IllegalStateException.class, () -> ItemIndexes.save(index, dir.resolve("index.hnsw")));
        }
    }
}
