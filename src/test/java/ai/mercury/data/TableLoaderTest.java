package ai.mercury.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two-table form: a catalog and an event log joined by item id, sessions by inactivity gap, event weights. */
class TableLoaderTest {
    static final Path EXAMPLE = Path.of("conf/datasets/examples/tiny-shop/shop.json");

    @TempDir
    Path dir;

    @Test
    void example_everyCatalogItemIsIn_templateRendered_viewsDropped() throws Exception {
        DatasetConfig config = DatasetConfig.load(EXAMPLE);
        Dataset d = DatasetLoader.load(null, config, line -> { });
        assertEquals(64, d.items().size(), "all catalog rows, bought or not");
        ItemRecord p001 = d.items().get(0);
        assertEquals("P001", p001.itemId());
        assertEquals("Ceramic mug, red. Casa. mugs. Red ceramic mug for everyday use", p001.title());
        assertEquals(38.02, p001.price(), 1e-9);
        assertEquals("mugs", p001.category());
        long never = d.items().stream().filter(i -> i.firstSeen() == null).count();
        assertTrue(never >= 4, "products nobody touched are in the catalog: " + never);
        assertTrue(d.report().dropped().get(TableLoader.DROP_EVENT) > 0, "views have weight 0");
        TimeSplit split = TimeSplit.of(d, config);
        assertTrue(split.coldItems().containsAll(d.items().stream().filter(i -> i.firstSeen() == null).map(ItemRecord::itemId).toList()));
        assertTrue(split.fit().size() > 50 && !split.test().isEmpty(), split.fit().size() + " / " + split.test().size());
        TimeSplit.check(d, config, TimeSplit.holdoutStart(d, config), true);
        // Sessions: within one, no two consecutive events are more than 30 minutes apart (checked on the raw log below).
        assertTrue(d.baskets().stream().allMatch(b -> b.basketId().startsWith(b.userId() + "#")));
    }

    @Test
    void sessions_cutAtTheGap_basketColumnWins_unknownItemsDropped() throws Exception {
        Files.writeString(dir.resolve("items.jsonl"), """
                {"id": "a", "name": "Apple"}
                {"id": "b", "name": "Banana"}
                {"id": "c", "name": "Cherry"}
                """);
        Files.writeString(dir.resolve("events.csv"), """
                who,what,when
                u1,a,1000
                u1,b,1600
                u1,a,5000
                u2,c,1000
                u2,zzz,1100
                """);
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "fruit",
                 "catalog": {"path": "items.jsonl", "id": "id", "title": "name"},
                 "interactions": {"path": "events.csv", "user": "who", "item": "what", "time": "when", "session_gap_minutes": 30},
                 "time": {"format": "epoch_seconds"}}""");
        Path file = dir.resolve("fruit.json");
        Files.writeString(file, cfg.toString());
        Dataset d = DatasetLoader.load(null, DatasetConfig.load(file), line -> { });
        Map<String, List<String>> baskets = new HashMap<>();
        d.baskets().forEach(b -> baskets.put(b.basketId(), b.items()));
        assertEquals(Map.of("u1#0", List.of("a", "b"), "u1#1", List.of("a"), "u2#0", List.of("c")), baskets,
                "600 s apart: one session; 3400 s later: a new one");
        assertEquals(1L, d.report().dropped().get(TableLoader.DROP_NOT_IN_CATALOG));
        assertEquals(Set.of("a", "b", "c"), d.items().stream().map(ItemRecord::itemId).collect(Collectors.toSet()));
        assertEquals(Instant.ofEpochSecond(1000), d.items().get(0).firstSeen());

        ObjectNode missing = cfg.deepCopy();
        ((ObjectNode) missing.get("interactions")).put("item", "product");
        Files.writeString(file, missing.toString());
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(null, DatasetConfig.load(file), l -> { }));
        assertTrue(e.getMessage().contains("column 'product' (interactions.item in the dataset config) is missing"), e.getMessage());

        ObjectNode badTemplate = cfg.deepCopy();
        ((ObjectNode) badTemplate.get("catalog")).put("text_template", "{title} {colour}");
        Files.writeString(file, badTemplate.toString());
        e = assertThrows(DatasetException.class, () -> DatasetConfig.load(file));
        assertTrue(e.getMessage().contains("catalog.text_template names {colour}"), e.getMessage());
    }

    @Test
    void render_dropsEmptyParts() {
        assertEquals("Mug. mugs", TableSources.render("{title}. {brand} {category}", Map.of("title", "Mug", "category", "mugs")));
        assertNull(DatasetConfig.ONLINE_RETAIL.tables());
        assertEquals(Duration.ofMinutes(30), TableSources.DEFAULT_SESSION_GAP);
    }
}
