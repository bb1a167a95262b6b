package ai.mercury.events;

import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The event log, exported, loads through the shipped dataset config as the trainer reads it; tombstoned events stay out. */
class EventLogExportTest {
    @Test
    void exportedLogLoadsWithTheShippedDatasetConfig(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("events");
        long t = java.time.Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();
        try (EventLog log = new EventLog(new EventLog.Options(events, 20, 1 << 20, 0), r -> {})) {
            log.append(List.of(
                    new Event("view", "s1", "u1", "A", t, t, Map.of("country", "France", "device", "mobile"), null, null),
                    new Event("purchase", "s1", "u1", "B", t + 1000, t + 1000, Map.of(), null, null),
                    new Event("view", "s2", null, "A", t + 2000, t + 2000, Map.of(), null, null),
                    new Event("view", "s2", null, "UNKNOWN", t + 3000, t + 3000, Map.of(), null, null),
                    new Event("view", "s3", null, "B", t + 4000, t + 4000, Map.of(), null, null),
                    new Forget(Forget.Scope.SESSION, "s3", t + 5000)), true).get(10, TimeUnit.SECONDS);
        }
        Path items = dir.resolve("items.jsonl");
        Files.writeString(items, "{\"item_id\":\"A\",\"title\":\"White lantern, \\\"large\\\"\",\"price\":3.5,\"category\":\"home\",\"in_stock\":true}\n"
                + "{\"item_id\":\"B\",\"title\":\"Cake tin\",\"price\":4.95,\"in_stock\":true}\n");
        Path csv = dir.resolve("events.csv.gz");
        EventLogExport.Report r = EventLogExport.toCsv(events, items, Set.of("view", "click", "add_to_cart", "purchase"), csv);
        assertEquals(new EventLogExport.Report(3, 0, 1), r);
        Dataset d = DatasetLoader.load(csv, DatasetConfig.load(Path.of("conf/datasets/events.json")));
        assertEquals(2, d.baskets().size(), "s1 and s2; s3 was forgotten");
        assertEquals(2, d.items().size());
    }
}
