package ai.mercury.data;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One basket (invoice, order or session): its user, its time, its context values (country,
 * device, … by field name) and its distinct items in order of first appearance. {@code firstRow}
 * is the file position of its first row, the tie-breaker of baskets with equal times. Immutable.
 */
public record Basket(String basketId, String userId, Instant time, Map<String, String> context, List<String> items, long firstRow) {
    public Basket {
        context = Map.copyOf(context);
        items = List.copyOf(items);
    }
}
