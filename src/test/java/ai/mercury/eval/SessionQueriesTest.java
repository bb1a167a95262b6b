package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.GeneratedShop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-session slice's queries on a generated shop: which baskets, which history (from the session store), which targets. */
class SessionQueriesTest {
    @Test
    void coldUserBaskets_prefixesBecomeNewestFirstHistories_restAreTargets(@TempDir Path dir) throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 5);
        DatasetConfig config = DatasetConfig.load(shop.config);
        Dataset data = DatasetLoader.load(shop.csv, config);
        EvalSetup setup = EvalSetup.prepare(data, config);
        List<EvalQuery> sessions = setup.sessionQueries();
        assertTrue(sessions.size() >= 3 * 2, "the generated shop has cold-user baskets of 4+ items: " + sessions.size());
        assertEquals(0, sessions.size() % 3, "three prefix lengths per basket");

        Map<String, Basket> baskets = new HashMap<>();
        for (Basket b : data.baskets()) baskets.put(b.basketId(), b);
        Map<String, EvalQuery> firstItem = new HashMap<>();
        for (EvalQuery q : setup.queries()) if (q.slice() == Slice.COLD_USER_FIRST_ITEM) firstItem.put(q.basketId(), q);
        for (int i = 0; i < sessions.size(); i++) {
            EvalQuery q = sessions.get(i);
            int n = i % 3 + 1;
            assertEquals(Slice.SESSIONS.get(n - 1), q.slice());
            assertEquals(setup.queries().size() + i, q.index(), "indexes follow the protocol's queries");
            Basket b = baskets.get(q.basketId());
            assertTrue(b.items().size() >= SessionQueries.MIN_BASKET);
            List<String> expected = new ArrayList<>(b.items().subList(0, n));
            java.util.Collections.reverse(expected);
            assertEquals(expected, q.history(), "newest event first");
            assertEquals(b.items().subList(n, b.items().size()), q.targets());
            assertEquals(b.context(), q.context());
            EvalQuery protocol = firstItem.get(q.basketId());
            assertTrue(protocol != null, "a session basket is a cold user's basket: " + q.basketId());
            if (n == 1) assertEquals(protocol.history(), q.history(), "session_1 asks what cold_user_first_item asks");
        }
        assertEquals(sessions.size() / 3, setup.queryCounts().get(Slice.SESSION_1));
        assertEquals(sessions.size() / 3, setup.queryCounts().get(Slice.SESSION_3));
    }

    @Test
    void sessionSlices_scoredApart_leaveTheProtocolFiguresAlone(@TempDir Path dir) throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 5);
        DatasetConfig config = DatasetConfig.load(shop.config);
        EvalSetup setup = EvalSetup.prepare(DatasetLoader.load(shop.csv, config), config);
        Baselines b = new Baselines(setup.data().items(), setup.split().fit(), config.evaluation().popularityField());
        Ranker co = b.cooccurrence();
        List<List<String>> rankings = setup.sessionQueries().stream().map(q -> co.rank(q, Scoring.K_LARGE)).toList();
        Map<Slice, SliceResult> figures = Scoring.scoreSessions(setup.sessionQueries(), rankings, setup.catalog());
        assertEquals(Slice.SESSIONS, List.copyOf(figures.keySet()));
        for (SliceResult r : figures.values()) {
            assertEquals(setup.sessionQueries().size() / 3, r.queries());
            assertTrue(r.recall100() >= r.recall10() && r.recall100() <= 1);
        }
    }
}
