package ai.mercury.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two-table form of a dataset config, the way shops keep data: a catalog (one row per product)
 * and an interaction log (one row per event), joined by item id inside Mercury. Every catalog item
 * is in the dataset, bought or not (cold from day one). Interactions of event types whose weight is
 * not positive (or not listed) are dropped; without a basket column, a user's events are cut into
 * sessions at every inactivity gap longer than {@code sessionGap}. Immutable.
 *
 * @param catalog      the product table
 * @param interactions the event table
 */
public record TableSources(Catalog catalog, Interactions interactions) {

    /** File syntax of a table: CSV (RFC 4180 with a header line) or JSON Lines (one object per line); gzip is detected. */
    public enum Format { CSV, JSONL }

    /**
     * @param path         the file (relative paths are resolved against the config file's directory)
     * @param format       csv or jsonl
     * @param delimiter    the CSV delimiter
     * @param id           column of the item id (the join key)
     * @param title        column of the product name
     * @param description  optional column of a longer text
     * @param category     optional column of the category (also an item-tower feature)
     * @param brand        optional column of the brand
     * @param price        optional column of the price (absent or unparsable: 0)
     * @param textFields   further columns offered to the template by their own names
     * @param textTemplate the text embedded for an item, with {@code {title}}, {@code {description}},
     *                     {@code {category}}, {@code {brand}} and {@code {<text field>}} placeholders;
     *                     empty values vanish and whitespace collapses
     */
    public record Catalog(Path path, Format format, char delimiter, String id, String title, String description, String category,
                          String brand, String price, List<String> textFields, String textTemplate) {
        public Catalog {
            textFields = List.copyOf(textFields);
        }

        /** Every column this table reads, by config key. */
        Map<String, String> columns() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("catalog.id", id);
            m.put("catalog.title", title);
            if (description != null) m.put("catalog.description", description);
            if (category != null) m.put("catalog.category", category);
            if (brand != null) m.put("catalog.brand", brand);
            if (price != null) m.put("catalog.price", price);
            for (String f : textFields) m.put("catalog.text_fields." + f, f);
            return m;
        }
    }

    /**
     * @param path         the file (relative paths are resolved against the config file's directory)
     * @param format       csv or jsonl
     * @param delimiter    the CSV delimiter
     * @param user         column of the user (or anonymous session) id
     * @param basket       optional column of an order or session id; absent: sessions by inactivity gap
     * @param item         column of the item id
     * @param event        optional column of the event type; absent: every row is one weight-1 event
     * @param eventWeights weight per event type; events of a type with a weight ≤ 0 or not listed are dropped
     * @param time         column of the event time (read with the config's {@code time} section)
     * @param quantity     optional column of the quantity (rows with quantity ≤ 0 are dropped)
     * @param context      context field name → column, in order
     * @param sessionGap   the inactivity gap that ends a session when there is no basket column
     */
    public record Interactions(Path path, Format format, char delimiter, String user, String basket, String item, String event,
                               Map<String, Double> eventWeights, String time, String quantity, Map<String, String> context,
                               Duration sessionGap) {
        public Interactions {
            eventWeights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(eventWeights));
            context = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(context));
        }

        /** Every column this table reads, by config key. */
        Map<String, String> columns() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("interactions.user", user);
            if (basket != null) m.put("interactions.basket", basket);
            m.put("interactions.item", item);
            if (event != null) m.put("interactions.event", event);
            m.put("interactions.time", time);
            if (quantity != null) m.put("interactions.quantity", quantity);
            context.forEach((k, v) -> m.put("interactions.context." + k, v));
            return m;
        }

        /** The weight of an event type; 1 without an event column; 0 for a type the config does not list. */
        public double weight(String eventType) {
            if (event == null) return 1;
            Double w = eventWeights.get(eventType);
            return w == null ? 0 : w;
        }
    }

    public static final Duration DEFAULT_SESSION_GAP = Duration.ofMinutes(30);
    /** Default template: the non-empty parts, in this order. */
    public static final String DEFAULT_TEMPLATE = "{title} {brand} {category} {description}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_ -]+)}");

    /** The embedded text of one product from its values by placeholder name (missing or empty values vanish). */
    public static String render(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v.trim()));
        }
        m.appendTail(sb);
        return sb.toString().replaceAll("\\s+", " ").trim();
    }

    static TableSources parse(JsonNode root, Path baseDir, DatasetConfig.Reader r) throws DatasetException {
        JsonNode c = r.object(root, "catalog", true);
        Path cp = path(r.text(c, "catalog.path", null, true), baseDir);
        Format cf = format(r, c, "catalog", cp);
        List<String> fields = new ArrayList<>();
        JsonNode tf = c.get("text_fields");
        if (tf != null && !tf.isNull()) {
            if (!tf.isArray()) throw r.fail("catalog.text_fields", "must be an array of column names");
            for (JsonNode f : tf) {
                if (!f.isTextual() || f.asText().isEmpty()) throw r.fail("catalog.text_fields", "must hold non-empty strings");
                fields.add(f.asText());
            }
        }
        String template = r.text(c, "catalog.text_template", null, false);
        if (template == null) {
            StringBuilder t = new StringBuilder(DEFAULT_TEMPLATE);
            for (String f : fields) t.append(" {").append(f).append('}');
            template = t.toString();
        }
        java.util.Set<String> known = new java.util.HashSet<>(List.of("title", "description", "category", "brand"));
        known.addAll(fields);
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!known.contains(m.group(1))) {
                throw r.fail("catalog.text_template", "names {" + m.group(1) + "}, which is neither title, description, category, brand "
                        + "nor one of catalog.text_fields " + fields);
            }
        }
        Catalog catalog = new Catalog(cp, cf, delimiter(r, c, "catalog"), r.text(c, "catalog.id", null, true),
                r.text(c, "catalog.title", null, true), r.text(c, "catalog.description", null, false),
                r.text(c, "catalog.category", null, false), r.text(c, "catalog.brand", null, false), r.text(c, "catalog.price", null, false),
                fields, template);

        JsonNode i = r.object(root, "interactions", true);
        Path ip = path(r.text(i, "interactions.path", null, true), baseDir);
        Map<String, String> context = new LinkedHashMap<>();
        JsonNode ctx = r.object(i, "interactions.context", false);
        if (ctx != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = ctx.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[a-z][a-z0-9_]*")) throw r.fail("interactions.context." + e.getKey(), "field names must match [a-z][a-z0-9_]*");
                context.put(e.getKey(), r.text(ctx, e.getKey(), "interactions.context." + e.getKey(), null, true));
            }
        }
        String event = r.text(i, "interactions.event", null, false);
        Map<String, Double> weights = new LinkedHashMap<>();
        JsonNode w = r.object(i, "interactions.event_weights", false);
        if (event != null && w == null) throw r.fail("interactions.event_weights", "is required with interactions.event (e.g. {\"purchase\": 1})");
        if (w != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = w.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) throw r.fail("interactions.event_weights." + e.getKey(), "must be a number");
                weights.put(e.getKey(), e.getValue().asDouble());
            }
            if (weights.values().stream().noneMatch(x -> x > 0)) throw r.fail("interactions.event_weights", "must give some event type a weight > 0");
        }
        double gapMinutes = r.number(i, "interactions.session_gap_minutes", DEFAULT_SESSION_GAP.toMinutes());
        if (!(gapMinutes > 0)) throw r.fail("interactions.session_gap_minutes", "must be > 0");
        Interactions interactions = new Interactions(ip, format(r, i, "interactions", ip), delimiter(r, i, "interactions"),
                r.text(i, "interactions.user", null, true), r.text(i, "interactions.basket", null, false),
                r.text(i, "interactions.item", null, true), event, weights, r.text(i, "interactions.time", null, true),
                r.text(i, "interactions.quantity", null, false), context, Duration.ofSeconds(Math.round(gapMinutes * 60)));
        return new TableSources(catalog, interactions);
    }

    private static Path path(String p, Path baseDir) {
        Path path = Path.of(p);
        return path.isAbsolute() || baseDir == null ? path : baseDir.resolve(path).normalize();
    }

    private static Format format(DatasetConfig.Reader r, JsonNode n, String table, Path path) throws DatasetException {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        String dflt = name.endsWith(".jsonl") || name.endsWith(".jsonl.gz") || name.endsWith(".ndjson") ? "jsonl" : "csv";
        String f = r.text(n, table + ".format", dflt, false);
        try {
            return Format.valueOf(f.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw r.fail(table + ".format", "must be csv or jsonl, got " + f);
        }
    }

    private static char delimiter(DatasetConfig.Reader r, JsonNode n, String table) throws DatasetException {
        String d = r.text(n, table + ".delimiter", ",", false);
        if (d.equals("\\t") || d.equals("tab")) d = "\t";
        if (d.length() != 1 || d.charAt(0) == '"') throw r.fail(table + ".delimiter", "must be one character other than a quote");
        return d.charAt(0);
    }
}
