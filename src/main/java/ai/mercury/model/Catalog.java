package ai.mercury.model;

import ai.mercury.bundle.CatalogItem;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The items of a snapshot by ordinal (row of the vector matrix and id in the index) and by id.
 * Immutable and thread-safe.
 */
public final class Catalog {
    private final List<CatalogItem> items;
    private final Map<String, Integer> ordinals;

    public Catalog(List<CatalogItem> items) {
        this.items = List.copyOf(items);
        this.ordinals = new HashMap<>(items.size() * 2);
        for (int i = 0; i < items.size(); i++) {
            if (ordinals.put(items.get(i).itemId(), i) != null) {
                throw new IllegalArgumentException("duplicate item id " + items.get(i).itemId());
            }
        }
    }

    public int size() {
        return items.size();
    }

    public CatalogItem item(int ordinal) {
        return items.get(ordinal);
    }

    /** The ordinal of {@code itemId}, or -1 when the catalog does not hold it. */
    public int ordinalOf(String itemId) {
        Integer o = ordinals.get(itemId);
        return o == null ? -1 : o;
    }

    public List<CatalogItem> items() {
        return items;
    }
}
