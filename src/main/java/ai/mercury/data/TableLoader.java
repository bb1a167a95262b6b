package ai.mercury.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Loads the two-table form ({@link TableSources}): every catalog row becomes an item (its text the
 * rendered template, bought or not), every kept interaction joins it by item id; baskets are the
 * basket column's, or each user's events cut at inactivity gaps. The dataset's sha256 hashes the
 * two files' hashes. Fails with a {@link DatasetException} naming the key of a missing column, a
 * duplicate catalog id, or too many unparsable rows. Stateless.
 */
final class TableLoader {
    static final String DROP_EVENT = "event_weight_not_positive";
    static final String DROP_NOT_IN_CATALOG = "item_not_in_catalog";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TableLoader() {}

    /** One row: its line and its values by column name ("" when absent). */
    private interface RowSink {
        void row(long line, Map<String, String> values) throws DatasetException;
    }

    private record Event(long row, String user, String basket, Instant time, String item, String[] context) {}

    static Dataset load(Path interactionsFile, DatasetConfig config, Consumer<String> log) throws IOException {
        TableSources t = config.tables();
        TableSources.Catalog cat = t.catalog();
        TableSources.Interactions in = t.interactions();
        Path eventsPath = interactionsFile != null ? interactionsFile : in.path();
        DatasetConfig.Cleaning cleaning = config.cleaning();

        // Catalog: id → record, sorted by id as the one-file form sorts its items.
        TreeMap<String, ItemRecord> items = new TreeMap<>();
        long[] catalogRows = {0};
        String catalogSha = read(cat.path(), cat.format(), cat.delimiter(), cat.columns(), (line, v) -> {
            catalogRows[0]++;
            String id = normaliseItem(v.get(cat.id()), cleaning);
            if (id.isEmpty()) throw new DatasetException(cat.path() + " line " + line + ": empty " + cat.id() + " (catalog.id)");
            Map<String, String> values = new HashMap<>();
            values.put("title", v.get(cat.title()));
            if (cat.description() != null) values.put("description", v.get(cat.description()));
            if (cat.category() != null) values.put("category", v.get(cat.category()));
            if (cat.brand() != null) values.put("brand", v.get(cat.brand()));
            for (String f : cat.textFields()) values.put(f, v.get(f));
            String text = TableSources.render(cat.textTemplate(), values);
            double price = 0;
            if (cat.price() != null && !v.get(cat.price()).isBlank()) {
                try {
                    price = Double.parseDouble(v.get(cat.price()).trim());
                } catch (NumberFormatException e) {
                    log.accept("catalog line " + line + ": price '" + v.get(cat.price()) + "' is not a number; 0 used");
                }
            }
            String category = cat.category() == null || v.get(cat.category()).isBlank() ? null : v.get(cat.category()).trim();
            ItemRecord old = items.put(id, new ItemRecord(id, text.isEmpty() ? id : text, price, category, null));
            if (old != null) throw new DatasetException(cat.path() + " line " + line + ": item id " + id + " appears twice (catalog.id must be unique)");
        });
        if (items.isEmpty()) throw new DatasetException(cat.path() + ": the catalog holds no item");

        // Interactions: kept events, then baskets.
        TimeParser time = TimeParser.of(config.time());
        Pattern itemPattern = cleaning.itemIdPattern() == null ? null : Pattern.compile(cleaning.itemIdPattern());
        Map<String, Long> dropped = new LinkedHashMap<>();
        List<String> examples = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        long[] read = {0};
        String[] contextFields = in.context().keySet().toArray(new String[0]);
        String eventsSha = read(eventsPath, in.format(), in.delimiter(), in.columns(), (line, v) -> {
            long row = read[0]++;
            String user = v.get(in.user()).trim();
            if (user.isEmpty()) {
                dropped.merge(DatasetLoader.DROP_USER_MISSING, 1L, Long::sum);
                return;
            }
            if (in.event() != null && !(in.weight(v.get(in.event()).trim()) > 0)) {
                dropped.merge(DROP_EVENT, 1L, Long::sum);
                return;
            }
            if (in.quantity() != null && cleaning.positiveQuantity()) {
                double q;
                try {
                    q = Double.parseDouble(v.get(in.quantity()).trim());
                } catch (NumberFormatException e) {
                    unparsable(dropped, examples, log, line, in.quantity() + " '" + v.get(in.quantity()) + "' is not a number");
                    return;
                }
                if (!(q > 0)) {
                    dropped.merge(DatasetLoader.DROP_QUANTITY, 1L, Long::sum);
                    return;
                }
            }
            String raw = v.get(in.item()).trim();
            if (itemPattern != null && !itemPattern.matcher(raw).matches()) {
                dropped.merge(DatasetLoader.DROP_ITEM_ID, 1L, Long::sum);
                return;
            }
            String item = normaliseItem(raw, cleaning);
            if (!items.containsKey(item)) {
                dropped.merge(DROP_NOT_IN_CATALOG, 1L, Long::sum);
                return;
            }
            Instant at;
            try {
                at = time.parse(v.get(in.time()));
            } catch (RuntimeException e) {
                unparsable(dropped, examples, log, line, in.time() + " '" + v.get(in.time()) + "' does not match time.format " + config.time().format());
                return;
            }
            String[] ctx = new String[contextFields.length];
            for (int i = 0; i < ctx.length; i++) ctx[i] = v.get(in.context().get(contextFields[i])).trim();
            events.add(new Event(row, user, in.basket() == null ? null : v.get(in.basket()).trim(), at, item, ctx));
        });
        long bad = dropped.getOrDefault(DatasetLoader.DROP_UNPARSABLE, 0L);
        if (bad > cleaning.maxUnparsableFraction() * read[0]) {
            throw new DatasetException(String.format(Locale.ROOT, "%s: %d of %d rows cannot be parsed, more than cleaning.max_unparsable_fraction "
                    + "allows; first: %s", eventsPath, bad, read[0], String.join("; ", examples)));
        }
        if (dropped.getOrDefault(DROP_NOT_IN_CATALOG, 0L) > 0) {
            log.accept("warning: " + dropped.get(DROP_NOT_IN_CATALOG) + " interactions name an item id the catalog does not hold (dropped): "
                    + "check interactions.item against catalog.id");
        }

        DatasetBuilder builder = new DatasetBuilder(List.of(contextFields));
        if (in.basket() == null) sessionise(events, in.sessionGap().getSeconds());
        for (Event e : events) {
            ItemRecord item = items.get(e.item());
            builder.add(e.row(), e.basket(), e.user(), e.time(), e.item(), null, item.price(), null, e.context());
        }
        List<ItemRecord> out = new ArrayList<>(items.size());
        Map<String, Instant> firstSeen = new HashMap<>();
        for (ItemRecord r : builder.items()) firstSeen.put(r.itemId(), r.firstSeen());
        for (ItemRecord r : items.values()) out.add(new ItemRecord(r.itemId(), r.title(), r.price(), r.category(), firstSeen.get(r.itemId())));
        String sha = sha256((catalogSha + "\n" + eventsSha).getBytes(StandardCharsets.UTF_8));
        LoadReport report = new LoadReport(read[0], events.size(), dropped);
        log.accept(cat.path().getFileName() + ": " + catalogRows[0] + " catalog items (" + (items.size() - firstSeen.size())
                + " without interactions); " + eventsPath.getFileName() + ": " + read[0] + " rows read, " + events.size() + " kept, dropped " + dropped);
        return new Dataset(config.name(), sha, out, builder.baskets(), report);
    }

    /**
     * Gives each event a session id: a user's events in time order (then file order) start a new
     * session after a gap longer than {@code gapSeconds}.
     */
    static void sessionise(List<Event> events, long gapSeconds) {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(Event::user).thenComparing(Event::time).thenComparingLong(Event::row));
        events.clear();
        String user = null;
        Instant last = null;
        int n = 0;
        for (Event e : sorted) {
            if (!e.user().equals(user) || e.time().getEpochSecond() - last.getEpochSecond() > gapSeconds) {
                n = e.user().equals(user) ? n + 1 : 0;
                user = e.user();
            }
            last = e.time();
            events.add(new Event(e.row(), e.user(), e.user() + "#" + n, e.time(), e.item(), e.context()));
        }
        events.sort(Comparator.comparingLong(Event::row)); // the builder's first row is the file's
    }

    private static String normaliseItem(String raw, DatasetConfig.Cleaning cleaning) {
        String id = raw == null ? "" : raw.trim();
        return cleaning.upperCaseItemIds() ? id.toUpperCase(Locale.ROOT) : id;
    }

    private static void unparsable(Map<String, Long> dropped, List<String> examples, Consumer<String> log, long line, String why) {
        dropped.merge(DatasetLoader.DROP_UNPARSABLE, 1L, Long::sum);
        if (examples.size() < 5) {
            examples.add("line " + line + ": " + why);
            log.accept("unparsable line " + line + ": " + why);
        }
    }

    /** Reads a CSV or JSON Lines table (gzip detected), checks the configured columns, returns the file's sha256. */
    private static String read(Path file, TableSources.Format format, char delimiter, Map<String, String> columns, RowSink sink)
            throws IOException {
        if (!Files.isRegularFile(file)) throw new DatasetException(file + ": no such data file");
        MessageDigest digest = digest();
        try (InputStream raw = Files.newInputStream(file);
             DigestInputStream hashed = new DigestInputStream(raw, digest);
             BufferedInputStream buffered = new BufferedInputStream(hashed, 1 << 16)) {
            InputStream in = DatasetLoader.isGzip(buffered) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            InputStreamReader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
            if (format == TableSources.Format.CSV) {
                CsvRecords csv = new CsvRecords(reader, delimiter);
                List<String> header = new ArrayList<>();
                if (!csv.next(header)) throw new DatasetException(file + ": empty file, no header line");
                Map<String, Integer> index = new HashMap<>();
                for (int i = 0; i < header.size(); i++) index.put(header.get(i).trim(), i);
                for (Map.Entry<String, String> c : columns.entrySet()) {
                    if (!index.containsKey(c.getValue())) {
                        throw new DatasetException(file + ": column '" + c.getValue() + "' (" + c.getKey() + " in the dataset config) is missing; "
                                + "the header has " + header);
                    }
                }
                List<String> f = new ArrayList<>();
                Map<String, String> values = new HashMap<>();
                while (csv.next(f)) {
                    if (f.size() == 1 && f.get(0).isEmpty()) continue;
                    values.clear();
                    for (String col : columns.values()) {
                        int i = index.get(col);
                        values.put(col, i < f.size() ? f.get(i) : "");
                    }
                    sink.row(csv.recordLine(), values);
                }
            } else {
                BufferedReader lines = new BufferedReader(reader);
                String s;
                long line = 0;
                Map<String, String> values = new HashMap<>();
                while ((s = lines.readLine()) != null) {
                    line++;
                    if (s.isBlank()) continue;
                    JsonNode n;
                    try {
                        n = JSON.readTree(s);
                    } catch (IOException e) {
                        throw new DatasetException(file + " line " + line + ": not a JSON object (" + e.getMessage().lines().findFirst().orElse("") + ")");
                    }
                    if (n == null || !n.isObject()) throw new DatasetException(file + " line " + line + ": not a JSON object");
                    values.clear();
                    for (String col : columns.values()) {
                        JsonNode v = n.get(col);
                        values.put(col, v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
                    }
                    sink.row(line, values);
                }
            }
            byte[] rest = new byte[1 << 16];
            while (hashed.read(rest) != -1) {
                // hash the whole file, not only what the parser needed
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }
}
