package ai.mercury.data;

import java.io.BufferedInputStream;
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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads an interaction log (.csv, or gzip-compressed .csv.gz, detected by its magic bytes) through
 * a {@link DatasetConfig}: maps columns to roles, applies the cleaning rules in their order (the
 * first failing rule names the drop reason), derives items and baskets ({@link DatasetBuilder})
 * and hashes the file as read. Fails with a {@link DatasetException} that names the column when a
 * configured column is missing, or when more rows than the configured fraction cannot be parsed.
 * Stateless; each call owns its streams.
 */
public final class DatasetLoader {
    /** Drop reasons, as keys of {@link LoadReport#dropped()}. */
    public static final String DROP_UNPARSABLE = "unparsable";
    public static final String DROP_USER_MISSING = "user_missing";
    public static final String DROP_BASKET_PREFIX = "basket_prefix";
    public static final String DROP_QUANTITY = "quantity_not_positive";
    public static final String DROP_PRICE = "price_not_positive";
    public static final String DROP_ITEM_ID = "item_id_pattern";
    public static final String DROP_ITEM_MISSING = "item_missing";
    public static final String DROP_BASKET_MISSING = "basket_missing";

    private static final int EXAMPLES = 5;
    private static final Pattern INTEGER_ID = Pattern.compile("^[+-]?[0-9]+(\\.0*)?$");

    private DatasetLoader() {}

    public static Dataset load(Path file, DatasetConfig config) throws IOException {
        return load(file, config, line -> { });
    }

    /**
     * Loads {@code file} (for a two-table config: its interaction log, or null for the config's own);
     * {@code log} receives a summary line and the first unparsable rows. */
    public static Dataset load(Path file, DatasetConfig config, Consumer<String> log) throws IOException {
        // The two-table form: file is the interaction log (null: the config's), the catalog comes from the config.
        if (config.tables() != null) return TableLoader.load(file, config, log);
        if (!Files.isRegularFile(file)) throw new DatasetException(file + ": no such data file");
        MessageDigest digest = sha256();
        try (InputStream raw = Files.newInputStream(file);
             DigestInputStream hashed = new DigestInputStream(raw, digest);
             BufferedInputStream buffered = new BufferedInputStream(hashed, 1 << 16)) {
            InputStream in = isGzip(buffered) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            Rows rows = new Rows(file, config, log);
            rows.read(new CsvRecords(new InputStreamReader(in, StandardCharsets.UTF_8), config.csv().delimiter()));
            byte[] rest = new byte[1 << 16];
            while (hashed.read(rest) != -1) {
                // hash what the parser did not need (a gzip trailer's padding, say): the sha256 covers the whole file
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            LoadReport report = new LoadReport(rows.read, rows.kept, rows.dropped);
            log.accept(file.getFileName() + ": " + rows.read + " rows read, " + rows.kept + " kept, dropped " + rows.dropped);
            return new Dataset(config.name(), sha, rows.builder.items(), rows.builder.baskets(), report);
        }
    }

    static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The row loop of one load. */
    private static final class Rows {
        final Path file;
        final DatasetConfig config;
        final DatasetConfig.Cleaning cleaning;
        final Consumer<String> log;
        final DatasetBuilder builder;
        final TimeParser time;
        final Pattern itemPattern;
        final Map<String, Long> dropped = new LinkedHashMap<>();
        final List<String> examples = new ArrayList<>();
        long read;
        long kept;
        int width;
        int user, item, basket, timeCol, text = -1, price, quantity = -1, category = -1;
        int[] context;

        Rows(Path file, DatasetConfig config, Consumer<String> log) {
            this.file = file;
            this.config = config;
            this.cleaning = config.cleaning();
            this.log = log;
            this.builder = new DatasetBuilder(new ArrayList<>(config.columns().context().keySet()));
            this.time = TimeParser.of(config.time());
            this.itemPattern = cleaning.itemIdPattern() == null ? null : Pattern.compile(cleaning.itemIdPattern());
        }

        void read(CsvRecords csv) throws IOException {
            List<String> f = new ArrayList<>();
            if (!csv.next(f)) throw new DatasetException(file + ": empty file, expected a header line");
            header(f);
            while (csv.next(f)) {
                if (f.size() == 1 && f.get(0).isEmpty()) continue;   // a blank line is no row
                long row = read++;
                if (f.size() != width || csv.lastRecordUnterminated()) {
                    unparsable(csv.recordLine(), csv.lastRecordUnterminated() ? "a quoted field never closes"
                            : f.size() + " fields, the header has " + width);
                    continue;
                }
                row(row, csv.recordLine(), f);
            }
            long bad = dropped.getOrDefault(DROP_UNPARSABLE, 0L);
            if (bad > cleaning.maxUnparsableFraction() * read) {
                throw new DatasetException(String.format(Locale.ROOT, "%s: %d of %d rows (%.2f%%) cannot be parsed, more than "
                                + "cleaning.max_unparsable_fraction %.2f%% allows; first: %s", file, bad, read, 100.0 * bad / read,
                        100.0 * cleaning.maxUnparsableFraction(), String.join("; ", examples)));
            }
            if (builder.userConflicts() > 0) {
                log.accept("warning: " + builder.userConflicts() + " rows name another user than their basket's first row; the first row's user was kept");
            }
        }

        private void header(List<String> names) throws DatasetException {
            width = names.size();
            DatasetConfig.Columns c = config.columns();
            user = column(names, "columns.user", c.user());
            item = column(names, "columns.item", c.item());
            basket = column(names, "columns.basket", c.basket());
            timeCol = column(names, "columns.time", c.time());
            price = column(names, "columns.price", c.price());
            if (c.text() != null) text = column(names, "columns.text", c.text());
            if (c.quantity() != null) quantity = column(names, "columns.quantity", c.quantity());
            if (c.category() != null) category = column(names, "columns.category", c.category());
            context = new int[c.context().size()];
            int i = 0;
            for (Map.Entry<String, String> e : c.context().entrySet()) {
                context[i++] = column(names, "columns.context." + e.getKey(), e.getValue());
            }
        }

        private int column(List<String> header, String key, String name) throws DatasetException {
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).trim().equals(name)) return i;
            }
            throw new DatasetException(file + ": column '" + name + "' (" + key + " in the dataset config) is missing; the header has "
                    + header);
        }

        private void row(long row, long line, List<String> f) {
            String userRaw = f.get(user).trim();
            if (cleaning.requireUser() && userRaw.isEmpty()) {
                drop(DROP_USER_MISSING);
                return;
            }
            String basketId = f.get(basket).trim();
            if (basketId.isEmpty()) {
                drop(DROP_BASKET_MISSING);
                return;
            }
            for (String prefix : cleaning.dropBasketPrefixes()) {
                if (basketId.startsWith(prefix)) {
                    drop(DROP_BASKET_PREFIX);
                    return;
                }
            }
            double q;
            double p;
            String parsing = "price";
            try {
                p = Double.parseDouble(f.get(price).trim());
                parsing = "quantity";
                q = quantity < 0 ? 1 : Double.parseDouble(f.get(quantity).trim());
            } catch (NumberFormatException e) {
                String col = parsing.equals("price") ? config.columns().price() : config.columns().quantity();
                unparsable(line, col + " '" + f.get(parsing.equals("price") ? price : quantity) + "' is not a number");
                return;
            }
            if (cleaning.positiveQuantity() && !(q > 0)) {
                drop(DROP_QUANTITY);
                return;
            }
            if (cleaning.positivePrice() && !(p > 0)) {
                drop(DROP_PRICE);
                return;
            }
            String itemRaw = f.get(item);
            if (itemRaw.isEmpty()) {
                drop(DROP_ITEM_MISSING);
                return;
            }
            if (itemPattern != null && !itemPattern.matcher(itemRaw).matches()) {
                drop(DROP_ITEM_ID);
                return;
            }
            String userId = userRaw;
            if (cleaning.userId() == DatasetConfig.UserIdForm.INTEGER && !userRaw.isEmpty()) {
                if (!INTEGER_ID.matcher(userRaw).matches()) {
                    unparsable(line, config.columns().user() + " '" + userRaw + "' is not an integer id");
                    return;
                }
                int dot = userRaw.indexOf('.');
                userId = new java.math.BigInteger(dot < 0 ? userRaw : userRaw.substring(0, dot)).toString();
            }
            Instant t;
            try {
                t = time.parse(f.get(timeCol));
            } catch (RuntimeException e) {
                unparsable(line, config.columns().time() + " '" + f.get(timeCol) + "' does not match time.format " + config.time().format());
                return;
            }
            String itemId = cleaning.upperCaseItemIds() ? itemRaw.toUpperCase(Locale.ROOT) : itemRaw;
            String title = text < 0 ? null : clean(f.get(text));
            String cat = category < 0 ? null : clean(f.get(category));
            String[] ctx = new String[context.length];
            for (int i = 0; i < context.length; i++) ctx[i] = f.get(context[i]).trim();
            builder.add(row, basketId, userId, t, itemId, title, p, cat, ctx);
            kept++;
        }

        private String clean(String s) {
            return cleaning.trimText() ? s.trim() : s;
        }

        private void drop(String reason) {
            dropped.merge(reason, 1L, Long::sum);
        }

        private void unparsable(long line, String why) {
            drop(DROP_UNPARSABLE);
            if (examples.size() < EXAMPLES) {
                String example = "line " + line + ": " + why;
                examples.add(example);
                log.accept("unparsable " + file.getFileName() + " " + example);
            }
        }
    }
}
