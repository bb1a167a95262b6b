package ai.mercury.train;

import ai.mercury.core.CatalogItem;
import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.ItemRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog and country vocabulary of the UCI Online Retail file, read through
 * {@link DatasetLoader} with {@link DatasetConfig#ONLINE_RETAIL} (cleaning and entities as
 * ../shared/eval/PROTOCOL.md says). Countries are those of fit-period baskets, most frequent first
 * (counted over basket items, ties by name). Kept for the bootstrap bundle and the benchmarks;
 * new code reads {@link Dataset} directly.
 */
public final class OnlineRetailCatalog {
    private static final java.time.Instant ONLINE_RETAIL_TEST_START = DatasetConfig.ONLINE_RETAIL.split().testStart();
    public static final LocalDateTime TEST_START = LocalDateTime.ofInstant(ONLINE_RETAIL_TEST_START, ZoneOffset.UTC);

    public record Result(List<CatalogItem> items, List<String> countries, int keptRows) {}

    private OnlineRetailCatalog() {}

    public static Result read(Path csv) throws IOException {
        Dataset data = DatasetLoader.load(csv, DatasetConfig.ONLINE_RETAIL);
        List<CatalogItem> items = data.items().stream().map(ItemRecord::toCatalogItem).toList();
        Map<String, Integer> countries = new HashMap<>();
        for (Basket b : data.baskets()) {
            String country = b.context().get("country");
            if (country != null && b.time().isBefore(ONLINE_RETAIL_TEST_START)) {
                countries.merge(country, b.items().size(), Integer::sum);
            }
        }
        List<String> vocab = countries.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(c -> -c.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey).toList();
        return new Result(items, vocab, Math.toIntExact(data.report().rowsKept()));
    }
}
