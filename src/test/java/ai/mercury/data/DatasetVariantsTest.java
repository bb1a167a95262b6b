package ai.mercury.data;

import ai.mercury.data.DatasetVariants.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The robustness variants, written and read back through the Online Retail config as a shop's file would be. */
class DatasetVariantsTest {
    @TempDir
    Path dir;

    private static final String[] TITLES = {"WHITE HANGING HEART T-LIGHT HOLDER", "LANTERN, WHITE", "REGENCY \"CAKESTAND\" 3 TIER",
            "  JUMBO  BAG RED RETROSPOT ", "HEART"};
    private static final String[] COUNTRIES = {"United Kingdom", "France", "Germany"};

    /** 3,000 invoices of 1–4 rows (item i has title TITLES[i % 5]), written in the raw Online Retail format. */
    private Path retail() throws IOException {
        StringBuilder sb = new StringBuilder(DatasetLoaderTest.HEADER);
        for (int b = 0; b < 3000; b++) {
            int rows = 1 + b % 4;
            for (int r = 0; r < rows; r++) {
                int item = (b * 7 + r * 3) % 40;
                String title = TITLES[item % TITLES.length];
                String quoted = "\"" + title.replace("\"", "\"\"") + "\"";
                sb.append(536000 + b).append(',').append(10000 + item).append(',').append(quoted).append(",2,")
                        .append(String.format("2011-%02d-%02d 10:%02d:00", 1 + b % 12, 1 + b % 28, r)).append(",1.25,")
                        .append(12000 + b % 300).append(".0,").append(COUNTRIES[b % 3]).append('\n');
            }
        }
        Path f = dir.resolve("retail.csv");
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        return f;
    }

    private static Map<String, Integer> itemsPerBasket(Dataset d) {
        Map<String, Integer> m = new HashMap<>();
        for (Basket b : d.baskets()) m.put(b.basketId(), b.items().size());
        return m;
    }

    @Test
    void sample_keepsWholeBasketsAndAboutTheFraction() throws Exception {
        Path in = retail();
        Dataset full = DatasetLoader.load(in, DatasetConfig.ONLINE_RETAIL);
        Path out = dir.resolve("sparse.csv.gz");
        DatasetVariants.Written w = DatasetVariants.write(in, DatasetConfig.ONLINE_RETAIL, new Variant(0.15, 1, 0, false), out);
        Dataset sparse = DatasetLoader.load(out, DatasetConfig.ONLINE_RETAIL);

        assertEquals(3000, w.basketsRead());
        assertEquals(sparse.baskets().size(), w.basketsWritten());
        double share = sparse.baskets().size() / 3000.0;
        assertTrue(share > 0.12 && share < 0.18, "kept share " + share);
        Map<String, Integer> before = itemsPerBasket(full);
        for (Basket b : sparse.baskets()) {
            assertEquals(before.get(b.basketId()), b.items().size(), "basket " + b.basketId() + " lost rows");
        }
        assertEquals(0, sparse.report().dropped().getOrDefault(DatasetLoader.DROP_UNPARSABLE, 0L));

        // Another seed draws other baskets; the same seed the same ones.
        Path again = dir.resolve("again.csv");
        DatasetVariants.write(in, DatasetConfig.ONLINE_RETAIL, new Variant(0.15, 1, 0, false), again);
        Path other = dir.resolve("other.csv");
        DatasetVariants.write(in, DatasetConfig.ONLINE_RETAIL, new Variant(0.15, 2, 0, false), other);
        assertEquals(ids(sparse), ids(DatasetLoader.load(again, DatasetConfig.ONLINE_RETAIL)));
        assertNotEquals(ids(sparse), ids(DatasetLoader.load(other, DatasetConfig.ONLINE_RETAIL)));
    }

    private static Set<String> ids(Dataset d) {
        Set<String> s = new HashSet<>();
        for (Basket b : d.baskets()) s.add(b.basketId());
        return s;
    }

    @Test
    void titleWords_keepTheLastTwoWords() throws Exception {
        Path in = retail();
        Path out = dir.resolve("titles.csv");
        DatasetVariants.write(in, DatasetConfig.ONLINE_RETAIL, new Variant(1, 0, 2, false), out);
        Dataset d = DatasetLoader.load(out, DatasetConfig.ONLINE_RETAIL);
        Dataset full = DatasetLoader.load(in, DatasetConfig.ONLINE_RETAIL);
        assertEquals(full.baskets().size(), d.baskets().size());
        assertEquals(40, d.items().size());
        Set<String> titles = new HashSet<>();
        for (ItemRecord i : d.items()) titles.add(i.title());
        assertEquals(Set.of("T-LIGHT HOLDER", "LANTERN, WHITE", "3 TIER", "RED RETROSPOT", "HEART"), titles);
        // The context is untouched by this variant.
        assertEquals(Set.of("United Kingdom", "France", "Germany"), contexts(d));
    }

    @Test
    void dropContext_emptiesTheContextColumnOnly() throws Exception {
        Path in = retail();
        Path out = dir.resolve("nocontext.csv");
        DatasetVariants.write(in, DatasetConfig.ONLINE_RETAIL, new Variant(1, 0, 0, true), out);
        Dataset d = DatasetLoader.load(out, DatasetConfig.ONLINE_RETAIL);
        // An empty value is no value: no basket has a country any more.
        assertTrue(d.baskets().stream().noneMatch(b -> b.context().containsKey("country")));
        Dataset full = DatasetLoader.load(in, DatasetConfig.ONLINE_RETAIL);
        assertEquals(full.report().rowsKept(), d.report().rowsKept());
        assertEquals(full.items(), d.items());
    }

    private static Set<String> contexts(Dataset d) {
        Set<String> s = new HashSet<>();
        for (Basket b : d.baskets()) s.add(b.context().get("country"));
        return s;
    }

    @Test
    void lastWords_edgeCases() {
        assertEquals("T-LIGHT HOLDER", DatasetVariants.lastWords("WHITE HANGING HEART T-LIGHT HOLDER", 2));
        assertEquals("HEART", DatasetVariants.lastWords(" HEART ", 2));
        assertEquals("", DatasetVariants.lastWords("   ", 2));
        assertEquals("B C", DatasetVariants.lastWords("A\tB  C", 2));
    }

    @Test
    void badArguments_areRefusedWithAMessage() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new Variant(0, 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Variant(1.5, 1, 0, false));
        Path noBasket = dir.resolve("x.csv");
        Files.writeString(noBasket, "a,b\n1,2\n");
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetVariants.write(noBasket, DatasetConfig.ONLINE_RETAIL, new Variant(0.5, 1, 0, false), dir.resolve("y.csv")));
        assertTrue(e.getMessage().contains("InvoiceNo"), e.getMessage());
    }
}
