package ai.mercury.eval;

import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PROTOCOL.md's self-check on the real file, when ../shared/data is beside this checkout. */
class ProtocolSelfCheckTest {
    static final Path DATA = Path.of("..", "shared", "data", "online-retail", "online_retail.csv.gz");
    static EvalSetup setup;

    @BeforeAll
    static void load() throws Exception {
        if (!Files.isRegularFile(DATA)) return;
        Dataset data = DatasetLoader.load(DATA, DatasetConfig.load(Path.of(DatasetConfig.DEFAULT_CONFIG)));
        setup = EvalSetup.prepare(data, DatasetConfig.load(Path.of(DatasetConfig.DEFAULT_CONFIG)));
    }

    private static void requireData() {
        Assumptions.assumeTrue(setup != null, "skipped: " + DATA + " is absent (the shared data is not beside this checkout)");
    }

    @Test
    void selfCheck_countsMatchProtocol() {
        requireData();
        assertEquals(541_909, setup.data().report().rowsRead());
        assertEquals(396_337, setup.data().report().rowsKept());
        assertEquals(3_659, setup.catalog().size());
        assertEquals(52, setup.split().coldItems().size());
        assertEquals(4_334, setup.users());
        assertEquals(14_984, setup.split().fit().size());
        assertEquals(3_418, setup.split().test().size());
        Map<Slice, Integer> counts = setup.queryCounts();
        assertEquals(3_053, counts.get(Slice.WARM));
        assertEquals(365, counts.get(Slice.COLD_USER_CONTEXT));
        assertEquals(355, counts.get(Slice.COLD_USER_FIRST_ITEM));
        assertEquals(505, counts.get(Slice.COLD_ITEM));
    }

    @Test
    void selfCheck_popularityRecallMatchesProtocol() {
        requireData();
        Baselines baselines = new Baselines(setup.data().items(), setup.split().fit(), "country");
        Ranker popularity = baselines.popularity();
        var rankings = setup.queries().stream().map(q -> popularity.rank(q, Scoring.K_LARGE)).toList();
        Map<Slice, SliceResult> r = Scoring.score(setup.queries(), rankings, setup.catalog());
        assertEquals(0.1855, r.get(Slice.WARM).recall100(), 5e-5);
        assertEquals(0.1472, r.get(Slice.COLD_USER_CONTEXT).recall100(), 5e-5);
    }

    /** Issue 3's table: an independent implementation's figures; deterministic baselines must agree within ±0.002. */
    @Test
    void baselines_agreeWithTheIndependentImplementation() {
        requireData();
        Baselines baselines = new Baselines(setup.data().items(), setup.split().fit(), "country");
        Map<Slice, SliceResult> pbc = score(baselines.popularityByContext());
        Map<Slice, SliceResult> cooc = score(baselines.cooccurrence());
        assertEquals(0.154, pbc.get(Slice.COLD_USER_CONTEXT).recall100(), 0.002);
        assertEquals(0.337, cooc.get(Slice.WARM).recall100(), 0.002);
        assertEquals(0.234, cooc.get(Slice.COLD_USER_FIRST_ITEM).recall100(), 0.002);
        assertEquals(pbc.get(Slice.COLD_USER_CONTEXT), cooc.get(Slice.COLD_USER_CONTEXT), "context-only cooccurrence = popularity_by_country");
    }

    private static Map<Slice, SliceResult> score(Ranker r) {
        return Scoring.score(setup.queries(), setup.queries().stream().map(q -> r.rank(q, Scoring.K_LARGE)).toList(), setup.catalog());
    }
}
