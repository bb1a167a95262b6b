package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.ItemRecord;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the count-based baselines know: the catalog in item-id order (ordinal = position, so "ties
 * by item id" is "ties by ordinal"), the number of fit baskets holding each item overall and per
 * country, and the orders derived from them. Immutable after construction; thread-safe.
 */
final class FitStats {
    final String[] ids;
    final Map<String, Integer> ordinals = new HashMap<>();
    /** Fit baskets holding the item. */
    final int[] popularity;
    /** Ordinals by popularity desc, then id. */
    final int[] popularityOrder;
    /** Per country: ordinals by the country's count desc, then id; then the items it never bought in popularity order. */
    final Map<String, int[]> countryOrder = new HashMap<>();
    /** Per country: position of each ordinal in {@link #countryOrder}. */
    final Map<String, int[]> countryRank = new HashMap<>();
    final int[] popularityRank;
    final String countryField;

    FitStats(List<ItemRecord> catalog, List<Basket> fit, String countryField) {
        this.countryField = countryField;
        int n = catalog.size();
        ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = catalog.get(i).itemId();
            if (i > 0 && ids[i - 1].compareTo(ids[i]) >= 0) throw new IllegalArgumentException("the catalog must be sorted by item id");
            ordinals.put(ids[i], i);
        }
        popularity = new int[n];
        Map<String, int[]> byCountry = new HashMap<>();
        for (Basket b : fit) {
            String country = countryField == null ? null : b.context().get(countryField);
            int[] counts = country == null ? null : byCountry.computeIfAbsent(country, c -> new int[n]);
            for (String item : b.items()) {
                int o = ordinals.get(item);
                popularity[o]++;
                if (counts != null) counts[o]++;
            }
        }
        popularityOrder = order(popularity, null);
        popularityRank = rank(popularityOrder);
        for (Map.Entry<String, int[]> e : byCountry.entrySet()) {
            int[] order = order(e.getValue(), popularityRank);
            countryOrder.put(e.getKey(), order);
            countryRank.put(e.getKey(), rank(order));
        }
    }

    int size() {
        return ids.length;
    }

    int ordinal(String id) {
        Integer o = ordinals.get(id);
        return o == null ? -1 : o;
    }

    /** The popularity_by_country order for a query's context (popularity when the country is unknown). */
    int[] contextOrder(Map<String, String> context) {
        String country = countryField == null ? null : context.get(countryField);
        int[] order = country == null ? null : countryOrder.get(country);
        return order != null ? order : popularityOrder;
    }

    int[] contextRank(Map<String, String> context) {
        String country = countryField == null ? null : context.get(countryField);
        int[] rank = country == null ? null : countryRank.get(country);
        return rank != null ? rank : popularityRank;
    }

    /**
     * Ordinals with a positive count by count desc, then id; then (when {@code restRank} is given)
     * the zero-count items in {@code restRank} order, else by id.
     */
    static int[] order(int[] counts, int[] restRank) {
        Integer[] all = new Integer[counts.length];
        for (int i = 0; i < counts.length; i++) all[i] = i;
        Arrays.sort(all, (a, b) -> {
            boolean za = counts[a] == 0, zb = counts[b] == 0;
            if (za != zb) return za ? 1 : -1;
            if (za && restRank != null) return Integer.compare(restRank[a], restRank[b]);
            if (counts[a] != counts[b]) return Integer.compare(counts[b], counts[a]);
            return Integer.compare(a, b);
        });
        int[] out = new int[all.length];
        for (int i = 0; i < all.length; i++) out[i] = all[i];
        return out;
    }

    static int[] rank(int[] order) {
        int[] rank = new int[order.length];
        for (int i = 0; i < order.length; i++) rank[order[i]] = i;
        return rank;
    }

    List<String> ids(int[] order, int k) {
        String[] out = new String[Math.min(k, order.length)];
        for (int i = 0; i < out.length; i++) out[i] = ids[order[i]];
        return List.of(out);
    }
}
