package ai.mercury.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void drain_anyOfferOrder_bestFirstTiesByLowerOrdinal() {
        TopK top = new TopK(4);
        top.offer(1f, 9);
        top.offer(3f, 7);
        top.offer(3f, 2);
        top.offer(0f, 1);
        top.offer(2f, 5);
        top.offer(3f, 4);
        SearchResult r = top.drain();
        assertArrayEquals(new int[] {2, 4, 7, 5}, r.ordinals());
        assertArrayEquals(new float[] {3f, 3f, 3f, 2f}, r.scores());
    }

    @Test
    void offer_nan_ranksBelowEverything() {
        TopK top = new TopK(2);
        top.offer(Float.NaN, 0);
        top.offer(-5f, 1);
        top.offer(-7f, 2);
        assertArrayEquals(new int[] {1, 2}, top.drain().ordinals());
    }

    @Test
    void offerAscending_matchesOffer() {
        float[] block = {5f, 1f, 5f, 3f, 9f, 3f, 5f};
        TopK a = new TopK(3);
        a.offerAscending(block, block.length, 10);
        TopK b = new TopK(3);
        for (int i = block.length - 1; i >= 0; i--) {
            b.offer(block[i], 10 + i);
        }
        SearchResult ra = a.drain();
        assertEquals(ra, b.drain());
        assertArrayEquals(new int[] {14, 10, 12}, ra.ordinals());
    }
}
