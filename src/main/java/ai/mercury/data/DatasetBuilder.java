package ai.mercury.data;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Derives items and baskets from kept rows, as ../shared/eval/PROTOCOL.md says: title = most
 * frequent non-empty text (ties: lexicographically smallest), price = median, first_seen = earliest
 * time; a basket's time is its earliest row's, its user and context its first row's, its items
 * distinct in order of first appearance; baskets ordered by time, then first row. Category, when
 * configured, follows the title's rule. Not thread-safe.
 */
final class DatasetBuilder {
    private final List<String> contextFields;
    private final Map<String, ItemAcc> items = new HashMap<>();
    private final Map<String, BasketAcc> baskets = new LinkedHashMap<>();
    private long userConflicts;

    DatasetBuilder(List<String> contextFields) {
        this.contextFields = List.copyOf(contextFields);
    }

    private static final class ItemAcc {
        final Map<String, Integer> texts = new HashMap<>(4);
        final Map<String, Integer> categories = new HashMap<>(2);
        double[] prices = new double[8];
        int n;
        Instant firstSeen;
    }

    private static final class BasketAcc {
        final String id;
        final String user;
        final String[] context;
        final long firstRow;
        final LinkedHashSet<String> items = new LinkedHashSet<>();
        Instant time;

        BasketAcc(String id, String user, String[] context, long firstRow, Instant time) {
            this.id = id;
            this.user = user;
            this.context = context;
            this.firstRow = firstRow;
            this.time = time;
        }
    }

    /** One kept row. {@code context} holds the values in the order of the configured fields. */
    void add(long row, String basketId, String userId, Instant time, String itemId, String text, double price, String category,
             String[] context) {
        ItemAcc item = items.computeIfAbsent(itemId, k -> new ItemAcc());
        if (text != null && !text.isEmpty()) item.texts.merge(text, 1, Integer::sum);
        if (category != null && !category.isEmpty()) item.categories.merge(category, 1, Integer::sum);
        if (item.n == item.prices.length) item.prices = Arrays.copyOf(item.prices, item.n * 2);
        item.prices[item.n++] = price;
        if (item.firstSeen == null || time.isBefore(item.firstSeen)) item.firstSeen = time;

        BasketAcc basket = baskets.get(basketId);
        if (basket == null) {
            basket = new BasketAcc(basketId, userId, context, row, time);
            baskets.put(basketId, basket);
        } else {
            if (time.isBefore(basket.time)) basket.time = time;
            if (!basket.user.equals(userId)) userConflicts++;
        }
        basket.items.add(itemId);
    }

    /** Rows whose user differs from their basket's first row's user (kept; the first user wins). */
    long userConflicts() {
        return userConflicts;
    }
    List<ItemRecord> items() {
        List<ItemRecord> out = new ArrayList<>(items.size());
        for (Map.Entry<String, ItemAcc> e : new TreeMap<>(items).entrySet()) {
            ItemAcc a = e.getValue();
            String title = mostFrequent(a.texts);
            out.add(new ItemRecord(e.getKey(), title == null ? e.getKey() : title, median(a.prices, a.n), mostFrequent(a.categories),
                    a.firstSeen));
        }
        return out;
    }

    List<Basket> baskets() {
        List<Basket> out = new ArrayList<>(baskets.size());
        for (BasketAcc b : baskets.values()) {
            Map<String, String> context = new LinkedHashMap<>();
            for (int i = 0; i < contextFields.size(); i++) {
                if (b.context[i] != null && !b.context[i].isEmpty()) context.put(contextFields.get(i), b.context[i]);
            }
            out.add(new Basket(b.id, b.user, b.time, context, new ArrayList<>(b.items), b.firstRow));
        }
        out.sort(Comparator.comparing(Basket::time).thenComparingLong(Basket::firstRow));
        return out;
    }

    /** Most frequent key; ties go to the lexicographically smallest; null when empty. */
    static String mostFrequent(Map<String, Integer> counts) {
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            int c = e.getValue();
            if (c > bestCount || (c == bestCount && e.getKey().compareTo(best) < 0)) {
                best = e.getKey();
                bestCount = c;
            }
        }
        return best;
    }

    /** Median; the mean of the two middle values for an even count. */
    static double median(double[] values, int n) {
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
