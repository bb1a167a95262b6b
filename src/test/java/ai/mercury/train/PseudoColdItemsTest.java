package ai.mercury.train;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.ItemRecord;
import ai.mercury.data.LoadReport;
import ai.mercury.feature.HashingTextEncoder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hold-out's pseudo-cold items: a fixed sample of the items first seen in the half year before the
 * hold-out and bought in it, cold on the hold-out, and absent from what the selection run trains on.
 */
class PseudoColdItemsTest {
    static final Instant HOLDOUT = Instant.parse("2011-10-01T00:00:00Z");
    static final Instant END = Instant.parse("2011-11-01T00:00:00Z");

    /**
     * Items 0–39 first seen in January (too old), 40–239 in June–September (candidates when bought in the
     * hold-out), 240–259 in October (cold anyway); every item is bought once before the hold-out (if it
     * exists then) and once in it, except 200–239, never bought in the hold-out.
     */
    static Dataset dataset() {
        List<ItemRecord> items = new ArrayList<>();
        for (int i = 0; i < 260; i++) {
            Instant first = i < 40 ? Instant.parse("2011-01-10T10:00:00Z")
                    : i < 240 ? Instant.parse("2011-06-01T10:00:00Z").plus(Duration.ofHours(11L * i)) : HOLDOUT.plus(Duration.ofDays(2));
            items.add(new ItemRecord(String.format("%05d", 10000 + i), "item " + i, 1.0 + i % 7, null, first));
        }
        List<Basket> baskets = new ArrayList<>();
        long row = 0;
        for (int i = 0; i < 260; i++) {
            ItemRecord it = items.get(i);
            String other = items.get((i + 1) % 40).itemId();
            if (it.firstSeen().isBefore(HOLDOUT)) {
                baskets.add(new Basket("a" + i, "u" + i, it.firstSeen(), Map.of("country", "UK"), List.of(it.itemId(), other), row++));
            }
            if (i < 200 || i >= 240) {
                baskets.add(new Basket("b" + i, "u" + i, HOLDOUT.plus(Duration.ofDays(5)).plusSeconds(60L * i), Map.of("country", "UK"),
                        List.of(it.itemId(), other), row++));
            }
        }
        baskets.sort((x, y) -> x.time().compareTo(y.time()));
        return new Dataset("generated", "0", items, baskets, new LoadReport(0, 0, Map.of()));
    }

    static TrainingData trainingData() {
        TrainConfig config = TrainConfig.defaults().withSplit(HOLDOUT, END);
        return new TrainingData(dataset(), new HashingTextEncoder(32), config);
    }

    @Test
    void sample_isAFixedShareOfTheRecentItemsBoughtInTheHoldout() {
        TrainingData td = trainingData();
        int count = 0;
        for (int i = 0; i < td.itemCount(); i++) {
            boolean candidate = i >= 40 && i < 200;
            if (td.heldOutOfSelection(i)) {
                assertTrue(candidate, "item " + i + " is not a candidate");
                assertTrue(td.coldInHoldout(i), "a pseudo-cold item is cold on the hold-out");
                count++;
            }
            if (i >= 240) assertTrue(td.coldInHoldout(i), "items first seen in the hold-out stay cold");
            if (i < 40) assertFalse(td.coldInHoldout(i));
        }
        assertEquals(count, td.heldOutOfSelectionCount());
        assertTrue(count >= 20 && count <= 60, "about a quarter of 160 candidates: " + count);

        TrainingData again = trainingData();
        for (int i = 0; i < td.itemCount(); i++) assertEquals(td.heldOutOfSelection(i), again.heldOutOfSelection(i), "deterministic");
    }

    @Test
    void selectionRun_trainsWithoutThem() {
        TrainingData td = trainingData();
        int cold = -1;
        for (int i = 0; i < td.itemCount() && cold < 0; i++) if (td.heldOutOfSelection(i)) cold = i;
        TrainingData.Example mixed = new TrainingData.Example(new float[1], new int[] {1, cold, 2}, new int[] {cold, 3}, HOLDOUT, false);
        TrainingData.Example kept = td.withoutHeldOut(mixed);
        assertArrayEquals(new int[] {1, 2}, kept.prior());
        assertArrayEquals(new int[] {3}, kept.items());

        assertNull(td.withoutHeldOut(new TrainingData.Example(new float[1], new int[0], new int[] {cold}, HOLDOUT, false)),
                "nothing left to train on");
        TrainingData.Example clean = new TrainingData.Example(new float[1], new int[] {1}, new int[] {2, 3}, HOLDOUT, false);
        assertSame(clean, td.withoutHeldOut(clean));

        for (TrainingData.Example e : td.examples()) {
            TrainingData.Example s = td.withoutHeldOut(e);
            if (s == null) continue;
            assertTrue(Arrays.stream(s.items()).noneMatch(td::heldOutOfSelection));
            assertTrue(Arrays.stream(s.prior()).noneMatch(td::heldOutOfSelection));
        }
    }

    /** Each hold-out query has its own context and time at the same index (bundle hybridize re-encodes queries from them). */
    @Test
    void holdoutQueries_lineUpWithTheirContextsAndTimes() {
        TrainingData td = trainingData();
        long firstItem = td.holdoutQueries().stream().filter(q -> q.slice() == TrainingData.Slice.COLD_USER_FIRST_ITEM).count();
        assertTrue(firstItem > 0, "the data set has first-item queries");
        assertEquals(td.holdoutQueries().size(), td.queryContexts().size());
        assertEquals(td.holdoutQueries().size(), td.queryTimes().size());
        for (int q = 0; q + 1 < td.queryTimes().size(); q++) {
            assertFalse(td.queryTimes().get(q + 1).isBefore(td.queryTimes().get(q)), "query times follow the baskets' order at " + q);
        }
    }
}
