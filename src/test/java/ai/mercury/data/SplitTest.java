package ai.mercury.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The split comes from the config or from the data's time range; a split that does not fit the data is refused in words. */
class SplitTest {
    static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    /** 100 daily baskets from T0. */
    static Dataset days() {
        List<Basket> baskets = new ArrayList<>();
        for (int d = 0; d < 100; d++) {
            baskets.add(new Basket("b" + d, "u" + (d % 7), T0.plusSeconds(86_400L * d), Map.of(), List.of("i" + (d % 5), "i" + ((d + 1) % 5)), d));
        }
        List<ItemRecord> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) items.add(new ItemRecord("i" + i, "item " + i, 1.0, null, T0));
        return new Dataset("days", "0", items, baskets, new LoadReport(200, 200, Map.of()));
    }

    static DatasetConfig config(String split) throws Exception {
        ObjectNode n = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "days", "columns": {"user": "u", "item": "i", "basket": "b", "time": "t", "price": "p"},
                 "time": {"format": "epoch_seconds"}}""");
        if (split != null) n.set("split", new ObjectMapper().readTree(split));
        return DatasetConfig.parse(n, "days.json");
    }

    @Test
    void noSplitInTheConfig_derivesTheLastTenthOfTheRange() throws Exception {
        DatasetConfig c = config(null);
        assertNull(c.split().testStart());
        Dataset d = days();
        // 99 days of range: the test starts 89.1 days in, the hold-out at 90 % of that.
        Instant test = TimeSplit.testStart(d, c);
        assertEquals(T0.plusSeconds(Math.round(99 * 86_400 * 0.9)), test);
        assertEquals(T0.plusSeconds(Math.round(java.time.Duration.between(T0, test).getSeconds() * 0.9)), TimeSplit.holdoutStart(d, c));
        TimeSplit s = TimeSplit.of(d, c);
        assertEquals(90, s.fit().size());
        assertEquals(10, s.test().size());
        TimeSplit.check(d, c, TimeSplit.holdoutStart(d, c), true);
    }

    @Test
    void fractionsAndFixedInstants_areRead() throws Exception {
        DatasetConfig c = config("{\"test_fraction\": 0.5, \"holdout_start\": \"2024-01-20T00:00:00Z\"}");
        assertEquals(T0.plusSeconds(Math.round(99 * 86_400 * 0.5)), TimeSplit.testStart(days(), c));
        assertEquals(Instant.parse("2024-01-20T00:00:00Z"), TimeSplit.holdoutStart(days(), c));
        assertThrows(DatasetException.class, () -> config("{\"test_fraction\": 1.5}"));
        assertThrows(DatasetException.class, () -> config("{\"test_start\": \"2024-01-10T00:00:00Z\", \"holdout_start\": \"2024-01-20T00:00:00Z\"}"));
    }

    @Test
    void aSplitOutsideTheData_isRefusedWithASentence() throws Exception {
        Dataset d = days();
        DatasetConfig late = config("{\"test_start\": \"2030-01-01T00:00:00Z\"}");
        DatasetException e = assertThrows(DatasetException.class, () -> TimeSplit.check(d, late, null, true));
        assertTrue(e.getMessage().contains("leaves no basket to test on") && e.getMessage().contains("split.test_start"), e.getMessage());
        DatasetConfig early = config("{\"test_start\": \"2011-11-01T00:00:00Z\"}");
        e = assertThrows(DatasetException.class, () -> TimeSplit.check(d, early, null, false));
        assertTrue(e.getMessage().contains("leaves no basket to fit on"), e.getMessage());
        DatasetConfig derived = config(null);
        // Online Retail's hold-out start on data from 2024: the hold-out has nothing before it.
        e = assertThrows(DatasetException.class, () -> TimeSplit.check(d, derived, Instant.parse("2011-10-01T00:00:00Z"), false));
        assertTrue(e.getMessage().contains("no basket before it"), e.getMessage());
    }
}
