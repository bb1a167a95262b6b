package ai.mercury.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ring grows its slots up to its capacity, then overwrites the oldest, whether its ids are
 * coded or kept by reference; the id checks match their patterns.
 */
class EventRingTest {
    private static List<String> newestFirst(EventRing ring, ItemCodes codes) {
        List<String> out = new ArrayList<>();
        ring.newestFirst(codes, (item, type) -> out.add(item + "/" + type));
        return out;
    }

    @Test
    void growsThenWraps_keepingTheLastCapacityEventsNewestFirst() {
        SplittableRandom random = new SplittableRandom(5);
        ItemCodes codes = new ItemCodes();
        for (int capacity : new int[] {1, 3, 4, 5, 8, 50}) {
            EventRing ring = new EventRing(capacity);
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 3 * capacity + 2; i++) {
                // a third of the ids uncoded (not in the catalog): both kinds share the slots and their order
                boolean coded = random.nextInt(3) > 0;
                ring.add("I" + i, coded ? codes.codeOf("I" + i) : -1, (byte) (i % 3), 1000L + i);
                all.add(0, "I" + i + "/" + (i % 3));
                assertEquals(all.subList(0, Math.min(all.size(), capacity)), newestFirst(ring, codes), "capacity " + capacity + " after " + (i + 1));
                assertEquals(1000L + i, ring.lastReceivedMs());
                assertEquals(Math.min(i + 1, capacity), ring.size());
            }
        }
    }

    @Test
    void idChecks_agreeWithTheirPatterns() {
        SplittableRandom random = new SplittableRandom(3);
        List<String> cases = new ArrayList<>(List.of("", "a", "A-1.b_c:d", "with space", "tab\there", "é", "~!", "x".repeat(128), "x".repeat(129), "\u007f"));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int n = random.nextInt(6);
            for (int j = 0; j < n; j++) s.append((char) random.nextInt(0x10, 0x90));
            cases.add(s.toString());
        }
        for (String s : cases) {
            assertEquals(EventParser.VISITOR_ID.matcher(s).matches(), EventParser.visitorId(s), "visitor id '" + s + "'");
            assertEquals(EventParser.ITEM_ID.matcher(s).matches(), EventParser.itemId(s), "item id '" + s + "'");
        }
    }
}
