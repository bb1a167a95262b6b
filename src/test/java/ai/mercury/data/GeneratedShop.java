package ai.mercury.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Another shop's order log, generated: other column names and order, ';'-separated, local times in
 * Europe/Paris as dd/MM/yyyy HH:mm, a device and a region context field, a category column,
 * refunds prefixed R, zero-unit lines and gift-card lines to drop, and product names holding ';'
 * and quotes. Writes the file and its dataset config, and remembers what it wrote so tests can
 * check the loader against it.
 */
public final class GeneratedShop {
    public static final String HEADER = "sku;product_name;category_name;order_ref;client;units;unit_cost;ordered_at;device_type;region";
    public static final String[] CATEGORIES = {"mugs", "lamps", "bags", "toys"};
    public static final String[] DEVICES = {"desktop", "mobile", "tablet"};
    public static final String[] REGIONS = {"north", "south", "east"};
    public static final ZoneId ZONE = ZoneId.of("Europe/Paris");
    public static final String TEST_START = "2024-03-01T00:00:00Z";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm");

    /** What a correct loader keeps. */
    public final Map<String, String> categoryOf = new LinkedHashMap<>();
    public final Map<String, String> titleOf = new LinkedHashMap<>();
    public final Set<String> keptBaskets = new LinkedHashSet<>();
    public final Map<String, String> deviceOf = new LinkedHashMap<>();
    public final Map<String, LocalDateTime> localTimeOf = new LinkedHashMap<>();
    public final Set<String> keptItems = new LinkedHashSet<>();
    public int rows;
    public int keptRows;
    public final Path csv;
    public final Path config;

    public GeneratedShop(Path dir, long seed) throws IOException {
        Random rnd = new Random(seed);
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        LocalDateTime start = LocalDateTime.of(2024, 1, 1, 8, 0);
        for (int o = 0; o < 300; o++) {
            LocalDateTime t = start.plusMinutes(o * 410L + rnd.nextInt(60));   // ~ 85 days: Jan 1 → late March
            boolean refund = rnd.nextInt(25) == 0;
            String order = (refund ? "R" : "O") + String.format("%04d", o);
            // the first 20 users shop all along; users 20..29 appear only late (cold users in the test period)
            int user = t.getMonthValue() < 3 ? rnd.nextInt(20) : rnd.nextInt(30);
            String device = DEVICES[rnd.nextInt(DEVICES.length)];
            String region = REGIONS[user % REGIONS.length];
            int lines = 1 + rnd.nextInt(5);
            for (int l = 0; l < lines; l++) {
                // items P033..P040 are listed only from March on (cold items)
                int item = t.getMonthValue() < 3 ? rnd.nextInt(32) : rnd.nextInt(40);
                String sku = String.format("P%03d", item + 1);
                boolean giftCard = rnd.nextInt(30) == 0;
                if (giftCard) sku = "GIFTCARD";
                int units = rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(3);
                String category = CATEGORIES[item % CATEGORIES.length];
                String name = giftCard ? "Gift card" : "Item " + (item + 1) + (item % 5 == 0 ? "; \"deluxe\"" : "") + " " + category;
                double cost = 1 + item * 0.25;
                rows++;
                out.append(sku).append(';').append(quote(name)).append(';').append(category).append(';').append(order).append(';')
                        .append(String.format("C-%02d", user)).append(';').append(units).append(';').append(cost).append(';')
                        .append(t.format(TIME)).append(';').append(device).append(';').append(region).append('\n');
                if (refund || giftCard || units == 0) continue;
                keptRows++;
                keptItems.add(sku);
                categoryOf.put(sku, category);
                titleOf.put(sku, name);
                if (keptBaskets.add(order)) {
                    deviceOf.put(order, device);
                    localTimeOf.put(order, t);
                }
            }
        }
        csv = dir.resolve("orders.csv");
        Files.writeString(csv, out, StandardCharsets.UTF_8);
        config = dir.resolve("shop.json");
        Files.writeString(config, """
                {
                  "name": "generated-shop",
                  "csv": {"delimiter": ";"},
                  "columns": {
                    "user": "client", "item": "sku", "basket": "order_ref", "time": "ordered_at",
                    "text": "product_name", "price": "unit_cost", "quantity": "units", "category": "category_name",
                    "context": {"device": "device_type", "region": "region"}
                  },
                  "time": {"format": "dd/MM/yyyy HH:mm", "zone": "Europe/Paris"},
                  "cleaning": {"drop_basket_prefixes": ["R"], "positive_quantity": true, "item_id_pattern": "^P[0-9]{3}$"},
                  "split": {"test_start": "%s"},
                  "evaluation": {"country_field": "region", "history_cap": 10, "random_seed": 7}
                }
                """.formatted(TEST_START), StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return s.contains(";") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    public List<String> keptItemsSorted() {
        List<String> l = new ArrayList<>(keptItems);
        l.sort(null);
        return l;
    }
}
