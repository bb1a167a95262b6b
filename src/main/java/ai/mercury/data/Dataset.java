package ai.mercury.data;

import java.util.List;

/**
 * A cleaned interaction log: the catalog (every item of the kept rows) and the baskets ordered by
 * time, then file position. {@code sha256} is the hash of the data file as read. Immutable; shared
 * by the trainer and the evaluator.
 */
public record Dataset(String name, String sha256, List<ItemRecord> items, List<Basket> baskets, LoadReport report) {
    public Dataset {
        items = List.copyOf(items);
        baskets = List.copyOf(baskets);
    }
}
