package ai.mercury.events;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Turns the event log into the interaction table that {@code mercury train} reads with
 * {@code conf/datasets/events.json}: one CSV row per event that no tombstone covers, of the chosen
 * types, whose item the catalog ({@code items.jsonl} of a bundle) holds (titles and prices come from
 * there; events carry neither). Columns: {@code user} (the user id, else {@code session:<id>}),
 * {@code basket} (the session, else the user), {@code item}, {@code time} (ISO-8601 UTC of the
 * event's timestamp), {@code title}, {@code price}, {@code category}, {@code quantity} (1),
 * {@code event_type}, {@code country}, {@code device}. Stateless.
 */
public final class EventLogExport {
    private EventLogExport() {}

    /** What an export wrote and skipped. */
    public record Report(long rows, long skippedType, long skippedUnknownItem) {}

    public static Report toCsv(Path eventsDir, Path itemsJsonl, Set<String> types, Path out) throws IOException {
        Map<String, JsonNode> items = new HashMap<>();
        for (String line : Files.readAllLines(itemsJsonl, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n = Json.MAPPER.readTree(line);
            items.put(n.path("item_id").asText(), n);
        }
        List<Event> events = EventLogReader.liveEvents(eventsDir);
        long rows = 0, wrongType = 0, unknown = 0;
        try (Writer w = new BufferedWriter(new OutputStreamWriter(out.toString().endsWith(".gz")
                ? new GZIPOutputStream(Files.newOutputStream(out)) : Files.newOutputStream(out), StandardCharsets.UTF_8))) {
            w.write("user,basket,item,time,title,price,category,quantity,event_type,country,device\n");
            for (Event e : events) {
                if (!types.contains(e.type())) { wrongType++; continue; }
                JsonNode item = items.get(e.itemId());
                if (item == null) { unknown++; continue; }
                String user = e.userId() != null ? e.userId() : "session:" + e.sessionId();
                String basket = e.sessionId() != null ? e.sessionId() : "user:" + e.userId();
                String category = item.path("category").isTextual() ? item.get("category").asText() : "";
                w.write(String.join(",", csv(user), csv(basket), csv(e.itemId()), Instant.ofEpochMilli(e.timestampMs()).toString(),
                        csv(item.path("title").asText()), Double.toString(item.path("price").asDouble()), csv(category), "1", e.type(),
                        csv(e.context().getOrDefault("country", "")), csv(e.context().getOrDefault("device", ""))));
                w.write('\n');
                rows++;
            }
        }
        return new Report(rows, wrongType, unknown);
    }

    private static String csv(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
