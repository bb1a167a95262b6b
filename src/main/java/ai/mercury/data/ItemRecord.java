package ai.mercury.data;

import ai.mercury.core.CatalogItem;

import java.time.Instant;

/**
 * A product as derived from a shop's interaction log: id, title, price, optional category, and
 * when it was first seen. Immutable.
 */
public record ItemRecord(String itemId, String title, double price, String category, Instant firstSeen) {
    public CatalogItem toCatalogItem() {
        return new CatalogItem(itemId, title, price, category);
    }
}
