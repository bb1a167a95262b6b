package ai.mercury.index;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryGuidedLinksTest {

    private static int[] linksOf(QueryGuidedLinks g, int node) {
        return Arrays.copyOfRange(g.links(), g.offsets()[node], g.offsets()[node + 1]);
    }

    @Test
    void fromLists_linksNeighboursInRankOrderBothWays() {
        QueryGuidedLinks g = QueryGuidedLinks.fromLists(10, new int[][] {{5, 3, 7}});
        assertEquals(10, g.nodes());
        assertArrayEquals(new int[] {3}, linksOf(g, 5));
        assertArrayEquals(new int[] {5, 7}, linksOf(g, 3)); // equally proposed: lower ordinal first
        assertArrayEquals(new int[] {3}, linksOf(g, 7));
        assertArrayEquals(new int[0], linksOf(g, 0));
        assertArrayEquals(new int[0], linksOf(g, 9));
        assertEquals(4, g.links().length);
        assertEquals(1, g.samples());
    }

    @Test
    void fromLists_keepsTheMostProposedLinksUpToTheDegree() {
        int[][] lists = new int[QueryGuidedLinks.DEGREE + 10 + 2][];
        for (int i = 0; i < QueryGuidedLinks.DEGREE + 10; i++) lists[i] = new int[] {0, 100 + i}; // proposed once each
        lists[lists.length - 2] = new int[] {0, 199};
        lists[lists.length - 1] = new int[] {199, 0}; // 0 -> 199 proposed twice
        QueryGuidedLinks g = QueryGuidedLinks.fromLists(200, lists);
        int[] l = linksOf(g, 0);
        assertEquals(QueryGuidedLinks.DEGREE, l.length);
        assertEquals(199, l[0]);
        for (int j = 1; j < l.length; j++) assertEquals(100 + j - 1, l[j]);
    }

    @Test
    void fromLists_ordinalOutsideTheTable_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> QueryGuidedLinks.fromLists(5, new int[][] {{1, 5}}));
        assertThrows(IllegalArgumentException.class, () -> QueryGuidedLinks.fromLists(5, new int[][] {{-1, 2}}));
    }

    @Test
    void guide_liftsRecallForQueriesFromAnotherDistributionThanTheItems() {
        ClusteredVectors space = new ClusteredVectors(32, 200, 0.1, 3);
        Vectors items = space.items(10_000, 4);
        IndexParams p = new IndexParams(IndexKind.HNSW, 8, 64, 100, 0);
        try (HnswItemIndex index = HnswItemIndex.build(items, p, 1); ItemIndex exact = ItemIndexes.exact(items)) {
            float[][] users = userLike(space, items, 300, 11);
            double before = ClusteredVectors.recall(index, exact, users, 100);
            assertSame(QueryGuidedLinks.NONE, index.guided());
            QueryGuidedLinks g = index.guide(userLike(space, items, 2_000, 12)); // other draws than the measured ones
            double after = ClusteredVectors.recall(index, exact, users, 100);
            assertEquals(2_000, g.samples());
            assertTrue(g.links().length > 0);
            assertTrue(after >= before + 0.03, "recall@100 " + before + " -> " + after);
        }
    }

    @Test
    void guidedIndex_stillFindsItemsAddedAndSkipsItemsRemovedAfterwards() {
        ClusteredVectors space = new ClusteredVectors(32, 50, 0.1, 5);
        Vectors items = space.items(3_000, 6);
        try (HnswItemIndex index = HnswItemIndex.build(items, new IndexParams(IndexKind.HNSW, 8, 64, 64, 0), 1)) {
            index.guide(userLike(space, items, 500, 7));
            float[] fresh = space.queries(1, 8)[0];
            index.add(3_000, fresh);
            assertEquals(3_000, index.search(fresh, 1).ordinal(0));
            int top = index.search(fresh, 2).ordinal(1);
            assertTrue(index.remove(top));
            for (int o : index.search(fresh, 50).ordinals()) assertTrue(o != top);
        }
    }

    /**
     * Vectors that are not like any item, as a user tower's are not: the normalised sum of three
     * random items' vectors, so cosine to the best items is well below the items' own.
     */
    private static float[][] userLike(ClusteredVectors space, Vectors items, int n, long seed) {
        Random rnd = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] v = new float[items.dim()];
            for (int j = 0; j < 3; j++) {
                float[] row = items.row(rnd.nextInt(items.count()));
                for (int d = 0; d < v.length; d++) v[d] += row[d];
            }
            out[i] = ClusteredVectors.normalise(v);
        }
        return out;
    }
}
