package ai.mercury.index;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Live adds and soft deletes on both index kinds, alone and under concurrent searches. */
class LiveIndexTest {
    private static final int DIM = 16;
    private static final IndexParams SMALL_HNSW = new IndexParams(IndexKind.HNSW, 8, 64, 64, 0);

    private static ItemIndex index(String kind, Vectors v) {
        return kind.equals("exact") ? ItemIndexes.exact(v) : ItemIndexes.hnsw(v, SMALL_HNSW);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "hnsw"})
    void anAddedVectorIsFoundAndARemovedOneNeverReturned(String kind) {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 1);
        Vectors base = gen.items(500, 2);
        ItemIndex index = index(kind, base);
        float[] q = gen.queries(1, 3)[0];
        float[] best = q.clone(); // the query itself scores higher than any unit-ish row
        for (int d = 0; d < DIM; d++) best[d] *= 10;
        index.add(500, best);
        assertEquals(501, index.size());
        assertEquals(501, index.ordinalLimit());
        assertEquals(500, index.search(q, 5).ordinal(0));
        assertArrayEquals(best, index.vector(500));

        int top = index.search(q, 2).ordinal(1);
        assertTrue(index.remove(500));
        assertFalse(index.remove(500), "a second remove is a no-op");
        assertTrue(index.remove(top));
        assertEquals(499, index.size());
        assertEquals(2, index.removedCount());
        assertNull(index.vector(500));
        SearchResult all = index.search(q, 600);
        Set<Integer> seen = new HashSet<>();
        for (int o : all.ordinals()) seen.add(o);
        assertFalse(seen.contains(500) || seen.contains(top), "removed ordinals never come back");
        if (kind.equals("exact")) assertEquals(499, all.size(), "the exact index returns every live item");
        assertThrows(IllegalArgumentException.class, () -> index.add(7, best), "ordinals are appended, never reused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "hnsw"})
    void scanHonoursThePredicateAndRemovals(String kind) {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 4);
        Vectors base = gen.items(300, 5);
        ItemIndex index = index(kind, base);
        index.remove(10);
        float[] q = gen.queries(1, 6)[0];
        SearchResult r = index.scan(q, 50, o -> o % 3 == 1);
        assertEquals(50, r.size());
        NaiveScan truth = NaiveScan.topK(base, q, 300);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 300 && expected.size() < 50; i++) {
            int o = truth.ordinals[i];
            if (o % 3 == 1 && o != 10) expected.add(o);
        }
        for (int i = 0; i < 50; i++) assertEquals(expected.get(i), r.ordinal(i));
        assertEquals(0, index.scan(q, 5, o -> false).size(), "nothing qualifies: an empty page, not removed rows");
    }

    /** Searches keep answering correctly while a writer adds past the HNSW capacity (a resize) and removes. */
    @ParameterizedTest
    @ValueSource(strings = {"exact", "hnsw"})
    void searchesDuringWritesSeeOnlyLiveWholeRows(String kind) throws Exception {
        ClusteredVectors gen = new ClusteredVectors(DIM, 20, 0.1, 7);
        Vectors base = gen.items(200, 8);
        ItemIndex index = index(kind, base);
        int adds = HnswItemIndex.capacityFor(200) - 200 + 500; // beyond the built headroom
        float[][] extra = gen.items(adds, 9).data().length == 0 ? new float[0][] : rows(gen.items(adds, 9));
        float[][] queries = gen.queries(50, 10);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        List<Future<Integer>> results = new ArrayList<>();
        Set<Integer> removedSet = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int t = 0; t < 2; t++) {
            results.add(readers.submit(() -> {
                int n = 0;
                Random rnd = new Random();
                while (!stop.get() || n < 50) {
                    float[] q = queries[rnd.nextInt(queries.length)];
                    Set<Integer> removedBefore = new HashSet<>(removedSet);
                    SearchResult r = index.search(q, 20);
                    for (int i = 0; i < r.size(); i++) {
                        int o = r.ordinal(i);
                        if (removedBefore.contains(o)) throw new AssertionError("removed ordinal " + o + " returned");
                        if (i > 0 && r.score(i) > r.score(i - 1)) throw new AssertionError("scores out of order");
                    }
                    n++;
                }
                return n;
            }));
        }
        for (int i = 0; i < adds; i++) {
            index.add(200 + i, extra[i]);
            if (i % 7 == 0) {
                index.remove(i);
                removedSet.add(i);
            }
        }
        stop.set(true);
        readers.shutdown();
        assertTrue(readers.awaitTermination(30, TimeUnit.SECONDS));
        for (Future<Integer> f : results) assertTrue(f.get() > 0);
        assertEquals(200 + adds - removedSet.size(), index.size());
        // Every added row is findable by its own direction.
        for (int i = adds - 20; i < adds; i++) {
            float[] v = extra[i];
            SearchResult r = index.search(v, 10);
            boolean found = false;
            for (int o : r.ordinals()) found |= o == 200 + i;
            assertTrue(found, "added row " + (200 + i) + " is found by its own vector");
        }
    }

    private static float[][] rows(Vectors v) {
        float[][] out = new float[v.count()][];
        for (int i = 0; i < v.count(); i++) out[i] = v.row(i);
        return out;
    }
}
