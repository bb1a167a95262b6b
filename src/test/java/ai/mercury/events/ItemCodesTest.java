package ai.mercury.events;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Codes are dense, stable, decode to their id, survive the index's growth, and stop at the cap. */
class ItemCodesTest {
    @Test
    void eachIdKeepsOneCode_acrossGrowth() {
        ItemCodes codes = new ItemCodes();
        int n = 20_000; // several doublings of the index and of the id array
        for (int i = 0; i < n; i++) assertEquals(i, codes.codeOf("item-" + i));
        for (int i = n - 1; i >= 0; i--) {
            assertEquals(i, codes.codeOf(new String("item-" + i)), "an equal id, another instance");
            assertEquals("item-" + i, codes.idOf(i));
        }
        assertEquals(n, codes.size());
    }

    @Test
    void collidingHashes_getTheirOwnCodes() {
        ItemCodes codes = new ItemCodes();
        // "Aa" and "BB" have the same String hash, so do all their concatenations
        Set<Integer> seen = new HashSet<>();
        String[] parts = {"Aa", "BB"};
        for (int i = 0; i < 256; i++) {
            StringBuilder id = new StringBuilder();
            for (int bit = 0; bit < 8; bit++) id.append(parts[(i >> bit) & 1]);
            int code = codes.codeOf(id.toString());
            assertTrue(seen.add(code), "code " + code + " given twice");
            assertEquals(id.toString(), codes.idOf(code));
        }
    }

    @Test
    void pastTheCap_idsGetNoCode_andKnownOnesKeepTheirs() {
        ItemCodes codes = new ItemCodes(3);
        assertEquals(0, codes.codeOf("a"));
        assertEquals(1, codes.codeOf("b"));
        assertEquals(2, codes.codeOf("c"));
        assertEquals(-1, codes.codeOf("d"));
        assertEquals(1, codes.codeOf("b"));
        assertEquals(3, codes.size());
    }
}
