package ai.mercury.bench;

import ai.mercury.index.ClusteredVectors;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-100 search latency, exact vs HNSW, over seeded clustered 64-d vectors (see
 * {@link ClusteredVectors}). Sizes up to 20k locate the exact/HNSW crossover that sets
 * {@link IndexParams#DEFAULT_EXACT_BELOW}; 100k and 1M show the scaling. For HNSW the trial setup
 * prints its build time and recall@100 against exact search over 200 queries, as a line starting
 * with {@code RECALL}. Run through {@code scripts/bench/jmh}; results in docs/bench/index-search.md.
 *
 * <p>System properties (forwarded with {@code -jvmArgsAppend -Dname=value}):
 * {@code bench.ef} (default {@value IndexParams#DEFAULT_EF}),
 * {@code bench.efConstruction} (default {@value IndexParams#DEFAULT_EF_CONSTRUCTION}) and
 * {@code bench.efConstruction.1m} (for the 1M-item build only; default 100, to keep the 2-core
 * build within a few minutes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms6g", "-Xmx6g"})
public class IndexSearchBenchmark {

    static final long SEED = 20261126L;
    /** Embedding width (64: the bootstrap bundle; 128: the trained default bundle). */
    @Param({"64"})
    int dim;

    /** Exact index layout: {@code interleaved} (the default) or {@code rows} (row-wise dot products, the old kernel). */
    @Param({"interleaved"})
    String layout;

    static final int K = 100;
    static final int QUERIES = 1024;
    static final int RECALL_QUERIES = 200;

    @Param({"1000", "2000", "5000", "10000", "20000", "100000", "1000000"})
    int size;

    @Param({"exact", "hnsw"})
    String kind;

    private ItemIndex index;
    private float[][] queries;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ClusteredVectors gen = new ClusteredVectors(dim, SEED);
        System.setProperty("mercury.index.exact.layout", layout);
        Vectors items = gen.items(size, SEED + 1);
        queries = gen.queries(QUERIES, SEED + 3);
        IndexKind k = IndexKind.parse(kind);
        if (k == IndexKind.EXACT) {
            index = ItemIndexes.exact(items);
            return;
        }
        int efc = Integer.getInteger("bench.efConstruction", IndexParams.DEFAULT_EF_CONSTRUCTION);
        if (size >= 1_000_000) {
            efc = Integer.getInteger("bench.efConstruction.1m", 100);
        }
        int ef = Integer.getInteger("bench.ef", IndexParams.DEFAULT_EF);
        IndexParams params = IndexParams.DEFAULTS.withKind(k).withEfConstruction(efc).withEf(ef);
        long t0 = System.nanoTime();
        index = ItemIndexes.hnsw(items, params);
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        double recall = ClusteredVectors.recall(index, ItemIndexes.exact(items),
                gen.queries(RECALL_QUERIES, SEED + 2), K);
        System.out.printf("%nRECALL size=%d dim=" + dim + " kind=%s m=%d efConstruction=%d ef=%d build_ms=%d recall@%d=%.4f (%d queries)%n",
                size, kind, params.m(), efc, params.ef(), buildMs, K, recall, RECALL_QUERIES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        index.close();
    }

    @Benchmark
    public SearchResult search() {
        float[] q = queries[next];
        next = (next + 1) & (QUERIES - 1);
        return index.search(q, K);
    }
}
