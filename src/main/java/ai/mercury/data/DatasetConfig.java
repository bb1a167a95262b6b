package ai.mercury.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How one shop's interaction log maps onto Mercury's roles, how it is cleaned, and where its
 * evaluation split lies; parsed once from {@code conf/datasets/<name>.json} and validated. Every
 * validation failure names the key. Immutable.
 *
 * @param name       dataset name (reports, manifests)
 * @param csv        file syntax
 * @param columns    raw column name of each role
 * @param time       how the time column is written
 * @param cleaning   which rows are kept
 * @param split      where fit ends and test begins
 * @param evaluation protocol parameters of {@code mercury eval}
 * @param tables     the two-table form (catalog + interactions, see {@link TableSources}), or null for the
 *                   one-file form; with tables, {@code columns} is derived from them (for messages and reports)
 */
public record DatasetConfig(String name, Csv csv, Columns columns, TimeFormat time, Cleaning cleaning, Split split, Evaluation evaluation,
                            TableSources tables) {

    /** The one-file form (no {@code catalog}/{@code interactions} tables). */
    public DatasetConfig(String name, Csv csv, Columns columns, TimeFormat time, Cleaning cleaning, Split split, Evaluation evaluation) {
        this(name, csv, columns, time, cleaning, split, evaluation, null);
    }

    /** RFC 4180 syntax with a header line; {@code delimiter} is usually ',' (';' and tab also seen). */
    public record Csv(char delimiter) {}

    /**
     * Raw column of each role. {@code user}, {@code item}, {@code basket}, {@code time} and
     * {@code price} are required; {@code text}, {@code quantity} and {@code category} may be null.
     * {@code context} maps a context field name (country, device, …) to its column, in order.
     */
    public record Columns(String user, String item, String basket, String time, String text, String price, String quantity,
                          String category, Map<String, String> context) {
        public Columns {
            context = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(context));
        }
    }

    /**
     * @param format a {@link DateTimeFormatter} pattern, or {@code iso} (ISO-8601 with offset or
     *               zone), {@code epoch_seconds}, {@code epoch_millis}
     * @param zone   the zone of local times (ignored when the value carries its own offset)
     */
    public record TimeFormat(String format, ZoneId zone) {}

    /** How user ids are normalised. {@code INTEGER} turns {@code 17850.0} into {@code 17850}. */
    public enum UserIdForm { AS_IS, INTEGER }

    /**
     * The row filters, applied in this order; the first failing one names the drop reason.
     *
     * @param requireUser           drop rows whose user is empty
     * @param dropBasketPrefixes    drop rows whose basket id starts with any of these (cancellations)
     * @param positiveQuantity      drop rows with quantity ≤ 0 (needs a quantity column)
     * @param positivePrice         drop rows with price ≤ 0
     * @param itemIdPattern         drop rows whose raw item id does not match (null: keep all)
     * @param upperCaseItemIds      item id = the raw id upper-cased
     * @param userId                user id normalisation
     * @param trimText              trim item text and category before counting them
     * @param maxUnparsableFraction fail when more than this fraction of rows cannot be parsed
     */
    public record Cleaning(boolean requireUser, List<String> dropBasketPrefixes, boolean positiveQuantity, boolean positivePrice,
                           String itemIdPattern, boolean upperCaseItemIds, UserIdForm userId, boolean trimText,
                           double maxUnparsableFraction) {
        public Cleaning {
            dropBasketPrefixes = List.copyOf(dropBasketPrefixes);
        }
    }

    /**
     * Where the test split and the trainer's hold-out begin. Each is a fixed instant when the config
     * names one ({@code split.test_start}, {@code split.holdout_start}), else derived from the data:
     * the test split is the last {@code testFraction} of the baskets' time range, the hold-out the
     * last {@code holdoutFraction} of the fit period's time range. Baskets before the test start are
     * fit; the hold-out is the end of the fit period, used for early stopping and blend weights.
     *
     * @param testStart       fixed test start, or null to derive it
     * @param testFraction    share of the time range that is test when derived, in (0, 1)
     * @param holdoutStart    fixed hold-out start, or null to derive it
     * @param holdoutFraction share of the fit period's time range that is hold-out when derived, in (0, 1)
     */
    public record Split(Instant testStart, double testFraction, Instant holdoutStart, double holdoutFraction) {
        /** Fixed test start, derived hold-out. */
        public Split(Instant testStart) {
            this(testStart, DEFAULT_TEST_FRACTION, null, DEFAULT_HOLDOUT_FRACTION);
        }

        /** The test start for baskets whose times run from {@code first} to {@code last}. */
        public Instant testStart(Instant first, Instant last) {
            return testStart != null ? testStart : fractionStart(first, last, testFraction);
        }

        /** The hold-out start for a fit period running from {@code first} to (before) {@code fitEnd}. */
        public Instant holdoutStart(Instant first, Instant fitEnd) {
            return holdoutStart != null ? holdoutStart : fractionStart(first, fitEnd, holdoutFraction);
        }

        /** Where the last {@code fraction} of [first, last] begins, to the second. */
        static Instant fractionStart(Instant first, Instant last, double fraction) {
            long span = java.time.Duration.between(first, last).getSeconds();
            return first.plusSeconds(Math.round(span * (1 - fraction)));
        }
    }

    /**
     * @param protocol     protocol id written into reports, e.g. {@code online-retail/1}
     * @param historyCap   most history items in a warm query
     * @param popularityField the context field that the popularity-by-context baseline (and the hybrid's
     *                        popularity candidates) group by, e.g. {@code country}; null: none
     * @param randomSeed      seed of the random baseline
     */
    public record Evaluation(String protocol, int historyCap, String popularityField, long randomSeed) {
        /** The name of the popularity-by-context baseline: {@code popularity_by_<field>}. */
        public String popularityByContextName() {
            return "popularity_by_" + (popularityField == null ? "context" : popularityField);
        }
    }

    public static final double DEFAULT_MAX_UNPARSABLE_FRACTION = 0.01;
    public static final int DEFAULT_HISTORY_CAP = 50;
    public static final long DEFAULT_RANDOM_SEED = 42L;
    public static final char DEFAULT_DELIMITER = ',';
    public static final double DEFAULT_TEST_FRACTION = 0.1;
    public static final double DEFAULT_HOLDOUT_FRACTION = 0.1;
    public static final String DEFAULT_CONFIG = "conf/datasets/online-retail.json";

    /** The UCI Online Retail file as ../shared/eval/PROTOCOL.md v1 reads it; equal to {@value #DEFAULT_CONFIG}. */
    public static final DatasetConfig ONLINE_RETAIL = new DatasetConfig("online-retail", new Csv(','),
            new Columns("CustomerID", "StockCode", "InvoiceNo", "InvoiceDate", "Description", "UnitPrice", "Quantity", null,
                    Map.of("country", "Country")),
            new TimeFormat("yyyy-MM-dd HH:mm:ss", ZoneId.of("UTC")),
            new Cleaning(true, List.of("C"), true, true, "^[0-9]{5}[A-Za-z]{0,3}$", true, UserIdForm.INTEGER, true,
                    DEFAULT_MAX_UNPARSABLE_FRACTION),
            new Split(Instant.parse("2011-11-01T00:00:00Z"), DEFAULT_TEST_FRACTION, Instant.parse("2011-10-01T00:00:00Z"),
                    DEFAULT_HOLDOUT_FRACTION),
            new Evaluation("online-retail/1", DEFAULT_HISTORY_CAP, "country", DEFAULT_RANDOM_SEED));

    public DatasetConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(csv, "csv");
        Objects.requireNonNull(columns, "columns");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(cleaning, "cleaning");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(evaluation, "evaluation");
    }

    public static DatasetConfig load(Path file) throws DatasetException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read the dataset config: " + e.getMessage(), e);
        }
        return parse(root, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Parses a config tree; {@code source} names it in error messages; relative table paths resolve against the working directory. */
    public static DatasetConfig parse(JsonNode root, String source) throws DatasetException {
        return parse(root, source, null);
    }

    /** Parses a config tree; {@code source} names it in error messages; relative table paths resolve against {@code baseDir}. */
    public static DatasetConfig parse(JsonNode root, String source, Path baseDir) throws DatasetException {
        Reader r = new Reader(source);
        if (root == null || !root.isObject()) throw r.fail("", "must be a JSON object");
        String name = r.text(root, "name", null, true);

        JsonNode csvNode = r.object(root, "csv", false);
        String delimiter = r.text(csvNode, "csv.delimiter", String.valueOf(DEFAULT_DELIMITER), false);
        if (delimiter.equals("\\t") || delimiter.equals("tab")) delimiter = "\t";
        if (delimiter.length() != 1 || delimiter.charAt(0) == '"' || delimiter.charAt(0) == '\n' || delimiter.charAt(0) == '\r') {
            throw r.fail("csv.delimiter", "must be one character other than a quote or a line break, got '" + delimiter + "'");
        }

        TableSources tables = null;
        Columns columns;
        if (root.has("catalog") || root.has("interactions")) {
            if (root.has("columns")) throw r.fail("columns", "is for the one-file form; the two-table form names its columns in catalog and interactions");
            tables = TableSources.parse(root, baseDir, r);
            TableSources.Interactions in = tables.interactions();
            columns = new Columns(in.user(), in.item(), in.basket() != null ? in.basket() : "(sessions)", in.time(),
                    tables.catalog().textTemplate(), tables.catalog().price() != null ? tables.catalog().price() : "(none)", in.quantity(),
                    tables.catalog().category(), in.context());
        } else {
            columns = oneFileColumns(root, r);
        }
        Map<String, String> context = columns.context();

        JsonNode timeNode = r.object(root, "time", true);
        String format = r.text(timeNode, "time.format", null, true);
        ZoneId zone;
        String zoneText = r.text(timeNode, "time.zone", "UTC", false);
        try {
            zone = ZoneId.of(zoneText);
        } catch (DateTimeException e) {
            throw r.fail("time.zone", "is not a time zone id: " + zoneText);
        }
        TimeFormat time = new TimeFormat(format, zone);
        try {
            TimeParser.of(time);
        } catch (IllegalArgumentException e) {
            throw r.fail("time.format", e.getMessage());
        }

        JsonNode c = r.object(root, "cleaning", false);
        List<String> prefixes = new ArrayList<>();
        JsonNode p = c == null ? null : c.get("drop_basket_prefixes");
        if (p != null && !p.isNull()) {
            if (!p.isArray()) throw r.fail("cleaning.drop_basket_prefixes", "must be an array of strings");
            for (JsonNode x : p) {
                if (!x.isTextual() || x.asText().isEmpty()) throw r.fail("cleaning.drop_basket_prefixes", "must hold non-empty strings");
                prefixes.add(x.asText());
            }
        }
        String pattern = r.text(c, "cleaning.item_id_pattern", null, false);
        if (pattern != null) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw r.fail("cleaning.item_id_pattern", "is not a regular expression: " + e.getDescription());
            }
        }
        boolean positiveQuantity = r.bool(c, "cleaning.positive_quantity", columns.quantity() != null);
        if (positiveQuantity && columns.quantity() == null) throw r.fail("cleaning.positive_quantity", "needs columns.quantity");
        String userForm = r.text(c, "cleaning.user_id", "as_is", false);
        UserIdForm form;
        try {
            form = UserIdForm.valueOf(userForm.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw r.fail("cleaning.user_id", "must be as_is or integer, got " + userForm);
        }
        double maxUnparsable = r.number(c, "cleaning.max_unparsable_fraction", DEFAULT_MAX_UNPARSABLE_FRACTION);
        if (!(maxUnparsable >= 0 && maxUnparsable <= 1)) throw r.fail("cleaning.max_unparsable_fraction", "must be between 0 and 1");
        Cleaning cleaning = new Cleaning(r.bool(c, "cleaning.require_user", true), prefixes, positiveQuantity,
                r.bool(c, "cleaning.positive_price", true), pattern, r.bool(c, "cleaning.upper_case_item_ids", false), form,
                r.bool(c, "cleaning.trim_text", true), maxUnparsable);

        JsonNode s = r.object(root, "split", false);
        Instant testStart = r.instant(s, "split.test_start");
        Instant holdoutStart = r.instant(s, "split.holdout_start");
        double testFraction = r.number(s, "split.test_fraction", DEFAULT_TEST_FRACTION);
        double holdoutFraction = r.number(s, "split.holdout_fraction", DEFAULT_HOLDOUT_FRACTION);
        if (!(testFraction > 0 && testFraction < 1)) throw r.fail("split.test_fraction", "must be between 0 and 1 (exclusive)");
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) throw r.fail("split.holdout_fraction", "must be between 0 and 1 (exclusive)");
        if (testStart != null && holdoutStart != null && !holdoutStart.isBefore(testStart)) {
            throw r.fail("split.holdout_start", "must be before split.test_start (" + testStart + "), got " + holdoutStart);
        }

        JsonNode ev = r.object(root, "evaluation", false);
        String protocol = r.text(ev, "evaluation.protocol", name + "/1", false);
        double capValue = r.number(ev, "evaluation.history_cap", DEFAULT_HISTORY_CAP);
        if (capValue != Math.rint(capValue) || capValue > Integer.MAX_VALUE) throw r.fail("evaluation.history_cap", "must be an integer");
        int cap = (int) capValue;
        if (cap < 1) throw r.fail("evaluation.history_cap", "must be at least 1");
        // "country_field" is the key's first name, still read.
        String fieldKey = ev != null && ev.has("country_field") && !ev.has("popularity_field") ? "evaluation.country_field"
                : "evaluation.popularity_field";
        String popularityField = r.text(ev, fieldKey, context.isEmpty() ? null : context.keySet().iterator().next(), false);
        if (popularityField != null && !context.containsKey(popularityField)) {
            throw r.fail(fieldKey, "names " + popularityField + ", which is not a field of columns.context " + context.keySet());
        }
        JsonNode seedNode = ev == null ? null : ev.get("random_seed");
        if (seedNode != null && !seedNode.isNull() && !seedNode.canConvertToLong()) throw r.fail("evaluation.random_seed", "must be an integer");
        long seed = seedNode == null || seedNode.isNull() ? DEFAULT_RANDOM_SEED : seedNode.asLong();
        return new DatasetConfig(name, new Csv(delimiter.charAt(0)), columns, time, cleaning, new Split(testStart, testFraction, holdoutStart, holdoutFraction),
                new Evaluation(protocol, cap, popularityField, seed), tables);
    }

    private static Columns oneFileColumns(JsonNode root, Reader r) throws DatasetException {
        JsonNode cols = r.object(root, "columns", true);
        Map<String, String> context = new LinkedHashMap<>();
        JsonNode ctx = r.object(cols, "columns.context", false);
        if (ctx != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = ctx.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[a-z][a-z0-9_]*")) throw r.fail("columns.context." + e.getKey(), "field names must match [a-z][a-z0-9_]*");
                context.put(e.getKey(), r.text(ctx, e.getKey(), "columns.context." + e.getKey(), null, true));
            }
        }
        return new Columns(r.text(cols, "columns.user", null, true), r.text(cols, "columns.item", null, true),
                r.text(cols, "columns.basket", null, true), r.text(cols, "columns.time", null, true),
                r.text(cols, "columns.text", null, false), r.text(cols, "columns.price", null, true),
                r.text(cols, "columns.quantity", null, false), r.text(cols, "columns.category", null, false), context);

    }

    /** Key-naming accessors over the JSON tree. */
    record Reader(String source) {
        DatasetException fail(String key, String message) {
            return new DatasetException(source + ": " + (key.isEmpty() ? "" : key + " ") + message);
        }

        JsonNode object(JsonNode parent, String key, boolean required) throws DatasetException {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            JsonNode n = parent == null ? null : parent.get(leaf);
            if (n == null || n.isNull()) {
                if (required) throw fail(key, "is required");
                return null;
            }
            if (!n.isObject()) throw fail(key, "must be an object");
            return n;
        }

        String text(JsonNode parent, String key, String dflt, boolean required) throws DatasetException {
            return text(parent, key.substring(key.lastIndexOf('.') + 1), key, dflt, required);
        }

        String text(JsonNode parent, String leaf, String key, String dflt, boolean required) throws DatasetException {
            JsonNode n = parent == null ? null : parent.get(leaf);
            if (n == null || n.isNull()) {
                if (required) throw fail(key, "is required");
                return dflt;
            }
            if (!n.isTextual() || n.asText().isEmpty()) throw fail(key, "must be a non-empty string");
            return n.asText();
        }

        boolean bool(JsonNode parent, String key, boolean dflt) throws DatasetException {
            JsonNode n = parent == null ? null : parent.get(key.substring(key.lastIndexOf('.') + 1));
            if (n == null || n.isNull()) return dflt;
            if (!n.isBoolean()) throw fail(key, "must be true or false");
            return n.asBoolean();
        }

        Instant instant(JsonNode parent, String key) throws DatasetException {
            String v = text(parent, key, null, false);
            if (v == null) return null;
            try {
                return Instant.parse(v);
            } catch (DateTimeException e) {
                throw fail(key, "must be an ISO-8601 instant such as 2011-11-01T00:00:00Z, got " + v);
            }
        }

        double number(JsonNode parent, String key, double dflt) throws DatasetException {
            JsonNode n = parent == null ? null : parent.get(key.substring(key.lastIndexOf('.') + 1));
            if (n == null || n.isNull()) return dflt;
            if (!n.isNumber()) throw fail(key, "must be a number");
            return n.asDouble();
        }
    }
}
