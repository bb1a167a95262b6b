package ai.mercury.train;

import ai.mercury.bundle.CatalogItem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The catalog and country vocabulary of the UCI Online Retail file, cleaned and derived as
 * ../shared/eval/PROTOCOL.md says (rows kept by its four rules; title = most frequent description,
 * ties lexicographically smallest; price = median unit price). Countries are those of fit-period
 * rows, most frequent first. A stopgap for the bootstrap bundle until the config-driven loader of
 * the trainer exists.
 */
public final class OnlineRetailCatalog {
    private static final Pattern STOCK_CODE = Pattern.compile("^[0-9]{5}[A-Za-z]{0,3}$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    public static final LocalDateTime TEST_START = LocalDateTime.of(2011, 11, 1, 0, 0);

    public record Result(List<CatalogItem> items, List<String> countries, int keptRows) {}

    private OnlineRetailCatalog() {}

    public static Result read(Path csv) throws IOException {
        Map<String, Map<String, Integer>> descriptions = new HashMap<>();
        Map<String, List<Double>> prices = new HashMap<>();
        Map<String, Integer> countries = new HashMap<>();
        int kept = 0;
        try (InputStream raw = Files.newInputStream(csv);
             InputStream in = csv.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = reader.readLine();
            if (header == null || !header.startsWith("InvoiceNo,StockCode,Description")) {
                throw new IOException(csv + ": not the Online Retail CSV (header " + header + ")");
            }
            for (String line; (line = reader.readLine()) != null; ) {
                List<String> f = CsvLine.split(line);
                if (f.size() != 8) continue;
                String invoice = f.get(0), code = f.get(1), description = f.get(2).trim(), customer = f.get(6).trim(), country = f.get(7);
                if (customer.isEmpty() || invoice.startsWith("C") || !STOCK_CODE.matcher(code).matches()) continue;
                double quantity, price;
                try {
                    quantity = Double.parseDouble(f.get(3));
                    price = Double.parseDouble(f.get(5));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (quantity <= 0 || price <= 0) continue;
                kept++;
                String id = code.toUpperCase(Locale.ROOT);
                if (!description.isEmpty()) descriptions.computeIfAbsent(id, k -> new HashMap<>()).merge(description, 1, Integer::sum);
                prices.computeIfAbsent(id, k -> new ArrayList<>()).add(price);
                if (LocalDateTime.parse(f.get(4), TIME).isBefore(TEST_START)) countries.merge(country, 1, Integer::sum);
            }
        }
        List<CatalogItem> items = new ArrayList<>();
        for (Map.Entry<String, List<Double>> e : new TreeMap<>(prices).entrySet()) {
            String title = descriptions.getOrDefault(e.getKey(), Map.of()).entrySet().stream()
                    .min(Comparator.<Map.Entry<String, Integer>>comparingInt(d -> -d.getValue()).thenComparing(Map.Entry::getKey))
                    .map(Map.Entry::getKey).orElse(e.getKey());
            items.add(new CatalogItem(e.getKey(), title, median(e.getValue()), null));
        }
        List<String> countryVocab = countries.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(c -> -c.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey).toList();
        return new Result(items, countryVocab, kept);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
