package ai.mercury.model;

import ai.mercury.core.CatalogItem;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Result filters of a request. Categories match case-insensitively; price bounds are inclusive.
 * Immutable.
 */
public record Filters(Set<String> exclude, Set<String> categories, Double priceMin, Double priceMax, boolean inStockOnly) {
    public static final Filters NONE = new Filters(Set.of(), Set.of(), null, null, false);

    public Filters {
        exclude = Set.copyOf(exclude);
        categories = categories.stream().map(c -> c.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    public boolean isEmpty() {
        return exclude.isEmpty() && categories.isEmpty() && priceMin == null && priceMax == null && !inStockOnly;
    }

    public boolean accepts(CatalogItem item) {
        if (exclude.contains(item.itemId())) return false;
        if (!categories.isEmpty() && (item.category() == null || !categories.contains(item.category().toLowerCase(Locale.ROOT)))) return false;
        if (priceMin != null && item.price() < priceMin) return false;
        if (priceMax != null && item.price() > priceMax) return false;
        return !inStockOnly || item.inStock();
    }
}
