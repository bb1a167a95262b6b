package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.ItemRecord;
import ai.mercury.data.LoadReport;
import ai.mercury.data.TimeSplit;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Query construction on a tiny hand-made dataset. */
class TestQueriesTest {
    static final Instant SPLIT = Instant.parse("2011-11-01T00:00:00Z");
    static final Instant T1 = Instant.parse("2011-10-01T10:00:00Z");
    static final Instant T2 = Instant.parse("2011-10-05T10:00:00Z");
    static final Instant T3 = Instant.parse("2011-11-02T10:00:00Z");
    static final Instant T4 = Instant.parse("2011-11-03T09:30:00Z");
    static final Instant T5 = Instant.parse("2011-11-04T09:00:00Z");
    static final Instant T6 = Instant.parse("2011-11-05T09:00:00Z");

    static Basket b(String id, String user, Instant t, long row, String... items) {
        return new Basket(id, user, t, Map.of("country", user.equals("B") ? "France" : "United Kingdom"), List.of(items), row);
    }

    static Dataset dataset(List<Basket> baskets) {
        Map<String, Instant> firstSeen = new TreeMap<>();
        List<Basket> sorted = new ArrayList<>(baskets);
        sorted.sort(Comparator.comparing(Basket::time).thenComparingLong(Basket::firstRow));
        for (Basket b : sorted) for (String i : b.items()) firstSeen.putIfAbsent(i, b.time());
        List<ItemRecord> items = new ArrayList<>();
        firstSeen.forEach((id, t) -> items.add(new ItemRecord(id, "title " + id, 1.0, null, t)));
        return new Dataset("tiny", "0", items, sorted, new LoadReport(0, 0, Map.of()));
    }

    static final List<Basket> BASKETS = List.of(
            b("a1", "A", T1, 0, "x", "y"),
            b("a2", "A", T2, 10, "y", "z"),
            b("a3", "A", T2, 20, "w", "x"),     // same time as a2, later in the file: comes first in the history
            b("a4", "A", T3, 30, "q", "x"),     // warm test basket
            b("b1", "B", T4, 40, "p", "q", "r"), // new user ...
            b("b2", "B", T4, 50, "s"),          // ... two baskets in the same minute: both cold
            b("c1", "C", T5, 60, "m"),          // new user, one item: context query only
            b("c2", "C", T6, 70, "n", "m"));    // prior = a test basket: warm

    @Test
    void build_tinyDataset_givesTheProtocolsQueries() {
        Dataset d = dataset(BASKETS);
        TimeSplit split = TimeSplit.of(d, SPLIT);
        assertEquals(List.of("m", "n", "p", "q", "r", "s"), List.copyOf(new java.util.TreeSet<>(split.coldItems())));
        List<EvalQuery> qs = TestQueries.build(d, split, 50);
        assertEquals(List.of("a4/warm", "b1/cold_user_context", "b1/cold_user_first_item", "b2/cold_user_context",
                        "c1/cold_user_context", "c2/warm"),
                qs.stream().map(q -> q.basketId() + "/" + q.slice().key()).toList());
        for (int i = 0; i < qs.size(); i++) assertEquals(i, qs.get(i).index());

        EvalQuery warm = qs.get(0);
        assertEquals(List.of("w", "x", "y", "z"), warm.history(), "most recent first, same time later-in-file first, first occurrence kept");
        assertEquals(List.of("q", "x"), warm.targets(), "repurchases stay targets");
        assertEquals(List.of("q"), warm.coldTargets());
        assertEquals(Map.of("country", "United Kingdom"), warm.context());
        assertEquals(T3, warm.time());

        EvalQuery context = qs.get(1);
        assertEquals(List.of(), context.history());
        assertEquals(List.of("p", "q", "r"), context.targets());
        EvalQuery first = qs.get(2);
        assertEquals(List.of("p"), first.history());
        assertEquals(List.of("q", "r"), first.targets());
        assertEquals(List.of("q", "r"), first.coldTargets());
        assertEquals(List.of(), qs.get(3).history(), "same-minute second basket of a new user is cold too");
        assertEquals(List.of("m"), qs.get(5).history(), "prior includes test baskets");
    }

    @Test
    void history_isCapped() {
        Dataset d = dataset(BASKETS);
        List<EvalQuery> qs = TestQueries.build(d, TimeSplit.of(d, SPLIT), 3);
        assertEquals(List.of("w", "x", "y"), qs.get(0).history());
    }
}
