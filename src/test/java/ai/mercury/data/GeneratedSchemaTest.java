package ai.mercury.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Another shop's data needs only a new config: other columns, ';', a device field, a category, another zone. */
class GeneratedSchemaTest {
    @TempDir
    Path dir;

    @Test
    void load_generatedShop_throughItsOwnConfig() throws Exception {
        GeneratedShop shop = new GeneratedShop(dir, 7);
        DatasetConfig config = DatasetConfig.load(shop.config);
        Dataset d = DatasetLoader.load(shop.csv, config);

        assertEquals("generated-shop", d.name());
        assertEquals(shop.rows, d.report().rowsRead());
        assertEquals(shop.keptRows, d.report().rowsKept());
        assertTrue(d.report().dropped().get(DatasetLoader.DROP_BASKET_PREFIX) > 0);
        assertTrue(d.report().dropped().get(DatasetLoader.DROP_QUANTITY) > 0);
        assertTrue(d.report().dropped().get(DatasetLoader.DROP_ITEM_ID) > 0);
        assertFalse(d.report().dropped().containsKey(DatasetLoader.DROP_UNPARSABLE));

        assertEquals(shop.keptItemsSorted(), d.items().stream().map(ItemRecord::itemId).toList());
        for (ItemRecord i : d.items()) {
            assertEquals(shop.categoryOf.get(i.itemId()), i.category(), i.itemId());
            assertEquals(shop.titleOf.get(i.itemId()), i.title(), i.itemId());
        }
        assertEquals(shop.keptBaskets.size(), d.baskets().size());
        for (Basket b : d.baskets()) {
            assertEquals(shop.deviceOf.get(b.basketId()), b.context().get("device"), b.basketId());
            assertTrue(b.context().containsKey("region"));
            assertTrue(b.userId().startsWith("C-"));
        }
        for (Basket b : d.baskets()) {
            assertEquals(shop.localTimeOf.get(b.basketId()).atZone(GeneratedShop.ZONE).toInstant(), b.time(), "local Paris time → instant");
        }

        TimeSplit split = TimeSplit.of(d, config);
        assertTrue(split.fit().size() > 100 && split.test().size() > 20, split.fit().size() + " / " + split.test().size());
        assertFalse(split.coldItems().isEmpty());
        assertTrue(split.coldItems().stream().allMatch(id -> Integer.parseInt(id.substring(1)) > 32));
    }
}
