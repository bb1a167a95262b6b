package ai.mercury.index;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ItemIndexes#inGraphOrder}: renumbering an HNSW index's rows changes ordinals, never answers. */
class GraphOrderTest {

    private static final IndexParams SMALL_HNSW = new IndexParams(IndexKind.HNSW, 8, 64, 64, 0);

    @Test
    void renumberedIndex_answersAlikeUnderTheNewOrdinals() {
        ClusteredVectors space = new ClusteredVectors(32, 40, 0.1, 21);
        Vectors items = space.items(4_000, 22);
        HnswItemIndex index = HnswItemIndex.build(items, SMALL_HNSW, 1);
        index.guide(space.queries(300, 23));
        int guidedLinks = index.guided().links().length;
        float[][] queries = space.queries(50, 24);
        SearchResult[] before = new SearchResult[queries.length];
        for (int q = 0; q < queries.length; q++) before[q] = index.search(queries[q], 20);

        float[] fileOrder = items.data().clone();
        int[] order = ItemIndexes.inGraphOrder(index);
        assertNotNull(order);
        assertArrayEquals(sortedRange(items.count()), Arrays.stream(order).sorted().toArray(), "order is a permutation");
        assertFalse(Arrays.equals(sortedRange(items.count()), order), "the order is the graph's, not the file's");
        HnswItemIndex renumbered = index; // renumbered in place
        assertEquals(0, renumbered.layers().state().entryPoint(), "the search starts at the first row");
        assertEquals(guidedLinks, renumbered.guided().links().length, "the guided links move with their items");
        int dim = items.dim();
        for (int i = 0; i < items.count(); i++) {
            float[] was = Arrays.copyOfRange(fileOrder, order[i] * dim, (order[i] + 1) * dim);
            assertArrayEquals(was, renumbered.vector(i));
            assertArrayEquals(was, items.row(i), "the rows moved inside the vectors the index was built over");
        }
        for (int q = 0; q < queries.length; q++) {
            SearchResult after = renumbered.search(queries[q], 20);
            assertEquals(before[q].size(), after.size());
            for (int j = 0; j < after.size(); j++) {
                assertEquals(before[q].ordinal(j), order[after.ordinal(j)], "query " + q + " rank " + j);
                assertEquals(before[q].score(j), after.score(j));
            }
        }
    }

    @Test
    void renumberedIndex_takesLiveAddsAndRemoves() {
        ClusteredVectors space = new ClusteredVectors(32, 30, 0.1, 31);
        Vectors items = space.items(2_000, 32);
        ItemIndex index = HnswItemIndex.build(items, SMALL_HNSW, 1);
        assertNotNull(ItemIndexes.inGraphOrder(index));
        float[] fresh = space.queries(1, 33)[0];
        index.add(2_000, fresh);
        assertEquals(2_000, index.search(fresh, 1).ordinal(0));
        int second = index.search(fresh, 2).ordinal(1);
        assertTrue(index.remove(second));
        for (int o : index.search(fresh, 100).ordinals()) assertTrue(o != second);
        assertTrue(index.remove(2_000));
        assertTrue(index.search(fresh, 1).ordinal(0) != 2_000);
    }

    @Test
    void onlyFreshHnswIndexesAreRenumbered() {
        ClusteredVectors space = new ClusteredVectors(16, 10, 0.1, 41);
        Vectors items = space.items(500, 42);
        assertNull(ItemIndexes.inGraphOrder(ItemIndexes.exact(items)));
        HnswItemIndex withRemoved = HnswItemIndex.build(items, SMALL_HNSW, 1);
        withRemoved.remove(7);
        assertNull(ItemIndexes.inGraphOrder(withRemoved), "a removed row would keep its old ordinal in hnswlib's memory");
        assertTrue(withRemoved.search(items.row(8), 1).ordinal(0) == 8, "and the index is left as it was");
        HnswItemIndex withAdded = HnswItemIndex.build(items, SMALL_HNSW, 1);
        withAdded.add(500, items.row(3));
        assertNull(ItemIndexes.inGraphOrder(withAdded));
    }

    @Test
    void permuteBlocks_movesEveryBlockWhereTheOrderSays() {
        java.util.Random rnd = new java.util.Random(5);
        for (int n : new int[] {1, 2, 7, 100}) {
            int stride = 3;
            int[] order = sortedRange(n);
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int[] ints = new int[n * stride + 2]; // two trailing elements that must stay
            float[] floats = new float[n * stride];
            for (int i = 0; i < ints.length; i++) ints[i] = i;
            for (int i = 0; i < floats.length; i++) floats[i] = i;
            Permutations.permuteBlocks(ints, stride, order);
            Permutations.permuteBlocks(floats, stride, order);
            for (int i = 0; i < n; i++) {
                for (int e = 0; e < stride; e++) {
                    assertEquals(order[i] * stride + e, ints[i * stride + e]);
                    assertEquals(order[i] * stride + e, floats[i * stride + e]);
                }
            }
            assertEquals(n * stride, ints[n * stride]);
            assertEquals(n * stride + 1, ints[n * stride + 1]);
            int[] inverse = Permutations.inverse(order);
            for (int i = 0; i < n; i++) assertEquals(i, inverse[order[i]]);
        }
    }

    private static int[] sortedRange(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }
}
