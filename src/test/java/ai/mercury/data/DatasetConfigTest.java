package ai.mercury.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void committedOnlineRetailConfig_equalsTheBuiltInOne() throws Exception {
        assertEquals(DatasetConfig.ONLINE_RETAIL, DatasetConfig.load(Path.of(DatasetConfig.DEFAULT_CONFIG)));
    }

    private static ObjectNode minimal() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"name": "shop",
                 "columns": {"user": "u", "item": "i", "basket": "b", "time": "t", "price": "p", "context": {"device": "d"}},
                 "time": {"format": "epoch_seconds"},
                 "split": {"test_start": "2024-01-01T00:00:00Z"}}""");
    }

    @Test
    void parse_minimal_appliesDefaults() throws Exception {
        DatasetConfig c = DatasetConfig.parse(minimal(), "shop.json");
        assertEquals(',', c.csv().delimiter());
        assertEquals("device", c.evaluation().popularityField(), "the first context field by default");
        assertEquals(DatasetConfig.DEFAULT_HISTORY_CAP, c.evaluation().historyCap());
        assertEquals("shop/1", c.evaluation().protocol());
        assertEquals(false, c.cleaning().positiveQuantity(), "no quantity column, no quantity rule");
        assertEquals(DatasetConfig.DEFAULT_MAX_UNPARSABLE_FRACTION, c.cleaning().maxUnparsableFraction());
    }

    @Test
    void parse_missingRequiredColumn_namesTheKey() throws Exception {
        ObjectNode n = minimal();
        ((ObjectNode) n.get("columns")).remove("user");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetConfig.parse(n, "shop.json"));
        assertEquals("shop.json: columns.user is required", e.getMessage());
    }

    @Test
    void parse_invalidValues_nameTheirKeys() throws Exception {
        ObjectNode a = minimal();
        ((ObjectNode) a.get("time")).put("format", "yyyy-MM-dd bb");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetConfig.parse(a, "x")).getMessage().startsWith("x: time.format "));
        ObjectNode b = minimal();
        b.putObject("evaluation").put("country_field", "country");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetConfig.parse(b, "x")).getMessage()
                .startsWith("x: evaluation.country_field names country, which is not a field of columns.context"));
        ObjectNode c = minimal();
        c.putObject("cleaning").put("positive_quantity", true);
        assertEquals("x: cleaning.positive_quantity needs columns.quantity",
                assertThrows(DatasetException.class, () -> DatasetConfig.parse(c, "x")).getMessage());
        ObjectNode d = minimal();
        ((ObjectNode) d.get("split")).put("test_start", "2024-01-01");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetConfig.parse(d, "x")).getMessage().startsWith("x: split.test_start "));
        ObjectNode e = minimal();
        e.putObject("cleaning").put("item_id_pattern", "[a-");
        assertTrue(assertThrows(DatasetException.class, () -> DatasetConfig.parse(e, "x")).getMessage().startsWith("x: cleaning.item_id_pattern "));
    }
}
