package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExactIndexTest {

    static Stream<Arguments> kernels() {
        return Stream.of(Arguments.of("scalar"), Arguments.of("vector"), Arguments.of("scalar-rows"), Arguments.of("vector-rows"));
    }

    /** {@code scalar}/{@code vector}: the interleaved layout; with {@code -rows}: the row-wise one. */
    private static ExactIndex index(Vectors items, String name) {
        return new ExactIndex(items, kernel(name.replace("-rows", "")), !name.endsWith("-rows"));
    }

    private static DotKernel kernel(String name) {
        if (name.equals("vector")) {
            assumeTrue(DotKernels.vectorModulePresent(), "jdk.incubator.vector not in the boot layer");
            return DotKernels.vector();
        }
        return ScalarDotKernel.INSTANCE;
    }

    /** Components are multiples of 1/4 in [-1, 1]: every dot product is exact in float, and ties are common. */
    private static Vectors quantized(int count, int dim, long seed) {
        Random rnd = new Random(seed);
        float[] data = new float[count * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (rnd.nextInt(9) - 4) / 4f;
        }
        return new Vectors(count, dim, data);
    }

    private static Vectors gaussian(int count, int dim, long seed) {
        Random rnd = new Random(seed);
        float[] data = new float[count * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return new Vectors(count, dim, data);
    }

    private static float[] row(Vectors v, int i) {
        return v.row(i);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void search_quantizedData_sameOrdinalsAndScoresAsNaiveScan_tiesByOrdinal(String kernelName) {
        for (int dim : new int[] {64, 67, 3}) {
            Vectors items = quantized(3_000, dim, 7 + dim);
            Vectors queries = quantized(20, dim, 99 + dim);
            ExactIndex index = index(items, kernelName);
            for (int q = 0; q < queries.count(); q++) {
                for (int k : new int[] {1, 10, 100}) {
                    float[] query = row(queries, q);
                    NaiveScan want = NaiveScan.topK(items, query, k);
                    SearchResult got = index.search(query, k);
                    assertArrayEquals(want.ordinals, got.ordinals(), "dim " + dim + " query " + q + " k " + k);
                    for (int i = 0; i < got.size(); i++) {
                        assertEquals(want.scores[i], got.score(i), 0.0);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void search_gaussianData_matchesNaiveDoubleScanWithin1e4(String kernelName) {
        Vectors items = gaussian(5_000, 64, 11);
        Vectors queries = gaussian(20, 64, 12);
        ExactIndex index = index(items, kernelName);
        for (int q = 0; q < queries.count(); q++) {
            float[] query = row(queries, q);
            NaiveScan want = NaiveScan.topK(items, query, 100);
            SearchResult got = index.search(query, 100);
            assertEquals(100, got.size());
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < got.size(); i++) {
                assertEquals(want.scores[i], got.score(i), 1e-4, "score at rank " + i);
                // Same ordinal, or one whose true score is indistinguishable at float precision.
                assertEquals(want.scores[i], NaiveScan.dot(items, got.ordinal(i), query), 1e-4, "rank " + i);
                assertTrue(seen.add(got.ordinal(i)), "duplicate ordinal " + got.ordinal(i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void search_kGreaterThanSize_returnsEveryItemBestFirst(String kernelName) {
        Vectors items = gaussian(37, 16, 3);
        ExactIndex index = index(items, kernelName);
        float[] query = gaussian(1, 16, 4).row(0);
        SearchResult got = index.search(query, 1_000);
        assertEquals(37, got.size());
        assertArrayEquals(NaiveScan.topK(items, query, 1_000).ordinals, got.ordinals());
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.score(i - 1) >= got.score(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void search_k1_returnsTheArgmax(String kernelName) {
        Vectors items = gaussian(1_001, 64, 5);
        ExactIndex index = index(items, kernelName);
        float[] query = gaussian(1, 64, 6).row(0);
        SearchResult got = index.search(query, 1);
        assertEquals(1, got.size());
        assertEquals(NaiveScan.topK(items, query, 1).ordinals[0], got.ordinal(0));
    }

    @Test
    void search_allScoresEqual_lowestOrdinalsWin() {
        float[][] rows = new float[50][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[] {1f, 0f};
        }
        SearchResult got = ItemIndexes.exact(Vectors.ofRows(rows)).search(new float[] {2f, 5f}, 5);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, got.ordinals());
        assertArrayEquals(new float[] {2f, 2f, 2f, 2f, 2f}, got.scores());
    }

    @Test
    void search_emptyCatalog_returnsNothing() {
        ItemIndex index = ItemIndexes.exact(new Vectors(0, 8, new float[0]));
        assertEquals(0, index.size());
        assertEquals(0, index.search(new float[8], 10).size());
    }

    @Test
    void search_badArguments_throwWithReason() {
        ItemIndex index = ItemIndexes.exact(gaussian(10, 8, 1));
        IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
                () -> index.search(new float[7], 5));
        assertEquals("query has 7 dimensions, the index has 8", dim.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> index.search(new float[8], 0));
        assertEquals("k must be at least 1, got 0", k.getMessage());
    }

    @Test
    void exact_reportsKindSizeDimensions() {
        ItemIndex index = ItemIndexes.exact(gaussian(10, 8, 1));
        assertEquals("exact", index.kind());
        assertEquals(10, index.size());
        assertEquals(8, index.dimensions());
    }

    @Test
    void kernel_underSurefire_isTheVectorApi() {
        // Surefire runs with --add-modules jdk.incubator.vector (pom argLine).
        assumeTrue(DotKernels.vectorModulePresent());
        assertTrue(DotKernels.best().name().startsWith("vector-"), DotKernels.best().name());
    }

    @Test
    void search_concurrentCallers_getTheSameResultsAsSequential() throws Exception {
        Vectors items = gaussian(20_000, 64, 21);
        Vectors queries = gaussian(64, 64, 22);
        ItemIndex index = ItemIndexes.exact(items);
        List<SearchResult> sequential = new ArrayList<>();
        for (int q = 0; q < queries.count(); q++) {
            sequential.add(index.search(queries.row(q), 50));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SearchResult>> futures = new ArrayList<>();
            for (int q = 0; q < queries.count(); q++) {
                float[] query = queries.row(q);
                futures.add(pool.submit(() -> index.search(query, 50)));
            }
            for (int q = 0; q < queries.count(); q++) {
                assertEquals(sequential.get(q), futures.get(q).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
