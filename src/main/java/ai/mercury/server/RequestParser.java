package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.core.IsoTimestamps;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a {@code POST /recommend} body into a {@link RecommendQuery}. Every client mistake is
 * an {@link ApiException} 400 whose message names the field. Stateless and cheap: runs on the
 * event loop.
 */
final class RequestParser {
    static final Set<String> FIELDS = Set.of("user_id", "session_id", "context", "history", "query", "k", "filters");
    static final Set<String> FILTER_FIELDS = Set.of("exclude", "categories", "price_min", "price_max", "in_stock_only",
            "exclude_seen", "exclude_purchased"); // the last two are applied by EventRoutes.personalize

    private final MercuryConfig config;

    RequestParser(MercuryConfig config) {
        this.config = config;
    }

    RecommendQuery parse(JsonObject body, Instant now) {
        for (String key : body.fieldNames()) {
            if (!FIELDS.contains(key)) throw ApiException.badRequest("unknown field '" + key + "'; allowed: " + new java.util.TreeSet<>(FIELDS));
        }
        optionalString(body, "user_id");
        optionalString(body, "session_id");
        int k = parseK(body.getValue("k"));
        Map<String, String> context = new HashMap<>();
        Instant timestamp = now;
        Object ctx = body.getValue("context");
        if (ctx != null) {
            if (!(ctx instanceof JsonObject c)) throw ApiException.badRequest("context must be an object");
            for (Map.Entry<String, Object> e : c) {
                if (e.getValue() == null) continue;
                if (!(e.getValue() instanceof String s)) throw ApiException.badRequest("context." + e.getKey() + " must be a string");
                if (e.getKey().equals("timestamp")) {
                    timestamp = parseTimestamp(s);
                } else {
                    context.put(e.getKey(), s);
                }
            }
        }
        List<String> history = stringList(body.getValue("history"), "history");
        if (history.size() > config.maxHistory()) {
            throw ApiException.badRequest("history has " + history.size() + " items; the limit is " + config.maxHistory());
        }
        String query = optionalString(body, "query");
        if (query != null && query.length() > config.maxQueryChars()) {
            throw ApiException.badRequest("query has " + query.length() + " characters; the limit is " + config.maxQueryChars());
        }
        return new RecommendQuery(new UserContext(context, timestamp, history, query), k, parseFilters(body.getValue("filters")));
    }

    private int parseK(Object raw) {
        if (raw == null) return config.defaultK();
        if (!(raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger)) {
            throw ApiException.badRequest("k must be an integer between 1 and " + config.maxK());
        }
        Number n = (Number) raw;
        if (n instanceof BigInteger || n.longValue() < 1 || n.longValue() > config.maxK()) {
            throw ApiException.badRequest("k must be between 1 and " + config.maxK() + ", got " + n);
        }
        return n.intValue();
    }

    /** The timestamps the time features accept: years 1 to 9999 (ISO-8601's four-digit years). */
    static final Instant MIN_TIMESTAMP = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant MAX_TIMESTAMP = Instant.parse("9999-12-31T23:59:59.999999999Z");

    static Instant parseTimestamp(String s) {
        Instant t;
        try {
            t = IsoTimestamps.parse(s); // no offset given: UTC
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("context.timestamp must be ISO-8601 (e.g. 2011-11-04T09:30:00Z), got '" + shorten(s) + "'");
        }
        // the ISO forms parse years up to ±999999999, whose UTC instant the calendar fields cannot hold
        if (t.isBefore(MIN_TIMESTAMP) || t.isAfter(MAX_TIMESTAMP)) {
            throw ApiException.badRequest("context.timestamp must be between years 0001 and 9999 (UTC), got '" + shorten(s) + "'");
        }
        return t;
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static Filters parseFilters(Object raw) {
        if (raw == null) return Filters.NONE;
        if (!(raw instanceof JsonObject f)) throw ApiException.badRequest("filters must be an object");
        for (String key : f.fieldNames()) {
            if (!FILTER_FIELDS.contains(key)) {
                throw ApiException.badRequest("unknown filter '" + key + "'; allowed: " + new java.util.TreeSet<>(FILTER_FIELDS));
            }
        }
        Double min = price(f.getValue("price_min"), "filters.price_min");
        Double max = price(f.getValue("price_max"), "filters.price_max");
        if (min != null && max != null && min > max) throw ApiException.badRequest("filters.price_min is above filters.price_max");
        Object stock = f.getValue("in_stock_only");
        if (stock != null && !(stock instanceof Boolean)) throw ApiException.badRequest("filters.in_stock_only must be true or false");
        for (String flag : List.of("exclude_seen", "exclude_purchased")) {
            Object v = f.getValue(flag);
            if (v != null && !(v instanceof Boolean)) throw ApiException.badRequest("filters." + flag + " must be true or false");
        }
        return new Filters(new LinkedHashSet<>(stringList(f.getValue("exclude"), "filters.exclude")),
                new LinkedHashSet<>(stringList(f.getValue("categories"), "filters.categories")), min, max, Boolean.TRUE.equals(stock));
    }

    private static Double price(Object raw, String name) {
        if (raw == null) return null;
        if (!(raw instanceof Number n) || !Double.isFinite(n.doubleValue())) throw ApiException.badRequest(name + " must be a number");
        return n.doubleValue();
    }

    private static List<String> stringList(Object raw, String name) {
        if (raw == null) return List.of();
        if (!(raw instanceof JsonArray a)) throw ApiException.badRequest(name + " must be an array of strings");
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            if (!(a.getValue(i) instanceof String s) || s.isEmpty()) {
                throw ApiException.badRequest(name + "[" + i + "] must be a non-empty string");
            }
            out.add(s);
        }
        return out;
    }

    private static String optionalString(JsonObject body, String name) {
        Object v = body.getValue(name);
        if (v == null) return null;
        if (!(v instanceof String s)) throw ApiException.badRequest(name + " must be a string");
        return s;
    }
}
