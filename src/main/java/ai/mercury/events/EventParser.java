package ai.mercury.events;

import ai.mercury.config.EventsConfig;
import ai.mercury.config.ItemsConfig;
import ai.mercury.core.IsoTimestamps;
import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a {@code POST /events} body: one event object, or {@code {"events": [...]}}. A fault of
 * the whole body (not JSON, wrong shape, too many events) is an {@link EventException}; a fault of
 * one event in a batch becomes a {@link Rejection} naming its index and field, and the others are
 * accepted. Stateless apart from its configuration; thread-safe.
 */
public final class EventParser {
    /** Session and user ids: 1 to 128 printable ASCII characters, no space. */
    public static final Pattern VISITOR_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");
    static final Pattern ITEM_ID = Pattern.compile(ItemsConfig.ID_PATTERN);
    static final Set<String> FIELDS = Set.of("event_type", "session_id", "user_id", "item_id", "timestamp", "context", "recommendation_id");
    private static final int MAX_CONTEXT_FIELDS = 32;
    private static final int MAX_CONTEXT_CHARS = 256;
    private static final int MAX_RECOMMENDATION_ID_CHARS = 256;

    private final EventsConfig config;
    private final RecommendationIds ids;

    /** One event of a batch that was refused, and why. */
    public record Rejection(int index, String error, String message) {}

    /** The parsed body: accepted events in body order, refusals by index. */
    public record Batch(List<Event> accepted, List<Rejection> rejected, boolean single) {}

    /** A fault of the body as a whole: an HTTP status, an error code and a message naming the field. */
    public static final class EventException extends RuntimeException {
        private final int status;
        private final String code;

        public EventException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public EventParser(EventsConfig config, RecommendationIds ids) {
        this.config = config;
        this.ids = ids;
    }

    /**
     * @param body            the request body
     * @param nowMs           the server clock (epoch ms): default timestamp and the reference for too old / too new
     * @param contextDefaults context values taken from the request's headers, used where an event has none
     */
    public Batch parse(byte[] body, long nowMs, Map<String, String> contextDefaults) {
        JsonNode root;
        try {
            root = Json.readNetworkTree(body); // strict, UTF-8 and no lone surrogates: nothing unwritable reaches the event log
        } catch (Json.InvalidJson e) {
            throw new EventException(400, "invalid_json", "the body is not acceptable JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new EventException(400, "invalid_json", "the body must be a JSON object: one event, or {\"events\": [...]}");
        if (!root.has("events")) {
            try {
                return new Batch(List.of(event(root, nowMs, contextDefaults)), List.of(), true);
            } catch (Invalid e) {
                throw new EventException(400, "bad_request", e.getMessage());
            }
        }
        if (root.size() != 1) throw new EventException(400, "bad_request", "a batch body holds only 'events'; put the other fields inside each event");
        JsonNode events = root.get("events");
        if (!events.isArray()) throw new EventException(400, "bad_request", "events must be an array of event objects");
        if (events.isEmpty()) throw new EventException(400, "bad_request", "events is empty; send 1 to " + config.maxBatch() + " events");
        if (events.size() > config.maxBatch()) {
            throw new EventException(413, "batch_too_large", "events has " + events.size() + " events; at most " + config.maxBatch() + " (events.max_batch) per request");
        }
        List<Event> accepted = new ArrayList<>(events.size());
        List<Rejection> rejected = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            try {
                JsonNode e = events.get(i);
                if (!e.isObject()) throw new Invalid("events[" + i + "] must be an object");
                accepted.add(event(e, nowMs, contextDefaults));
            } catch (Invalid e) {
                String message = e.getMessage().startsWith("events[") ? e.getMessage() : "events[" + i + "]." + e.getMessage();
                rejected.add(new Rejection(i, "bad_request", message));
            }
        }
        return new Batch(accepted, rejected, false);
    }

    private Event event(JsonNode e, long nowMs, Map<String, String> contextDefaults) {
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!FIELDS.contains(key)) throw new Invalid(shorten(key, 64) + ": unknown field; allowed: " + new java.util.TreeSet<>(FIELDS));
        }
        String type = string(e, "event_type", true);
        if (!config.types().contains(type)) throw new Invalid("event_type: '" + shorten(type, 64) + "' is not an accepted type " + new java.util.TreeSet<>(config.types()));
        String session = string(e, "session_id", false);
        String user = string(e, "user_id", false);
        if (session == null && user == null) throw new Invalid("session_id: required unless user_id is given");
        if (session != null && !visitorId(session)) throw new Invalid("session_id: 1 to 128 printable ASCII characters without spaces");
        if (user != null && !visitorId(user)) throw new Invalid("user_id: 1 to 128 printable ASCII characters without spaces");
        String item = string(e, "item_id", true);
        if (!itemId(item)) throw new Invalid("item_id: '" + shorten(item, 64) + "' is not valid: use 1 to 128 letters, digits, '.', '_', ':' or '-'");
        long at = nowMs;
        String ts = string(e, "timestamp", false);
        if (ts != null) {
            at = parseTimestamp(ts);
            if (at > nowMs + config.maxFutureMs()) {
                throw new Invalid("timestamp: " + ts + " is more than " + config.maxFutureMs() / 1000 + " s ahead of the server clock (events.max_future_ms)");
            }
            if (at < nowMs - config.maxAgeMs()) {
                throw new Invalid("timestamp: " + ts + " is older than " + config.maxAgeMs() / 86_400_000L + " days (events.max_age_days)");
            }
        }
        Map<String, String> context = context(e.get("context"), contextDefaults);
        String rec = string(e, "recommendation_id", false);
        if (rec != null && rec.length() > MAX_RECOMMENDATION_ID_CHARS) throw new Invalid("recommendation_id: longer than " + MAX_RECOMMENDATION_ID_CHARS + " characters");
        return new Event(type, session, user, item, at, nowMs, context, rec, ids.versionOf(rec));
    }

    /** {@link #VISITOR_ID} without a regex matcher per event (the matcher was a visible share of the ingest path). */
    static boolean visitorId(String s) {
        int n = s.length();
        if (n < 1 || n > 128) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }

    /** {@link ItemsConfig#ID_PATTERN} ({@code [A-Za-z0-9._:-]{1,128}}) without a regex matcher per event. */
    static boolean itemId(String s) {
        int n = s.length();
        if (n < 1 || n > 128) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    private static Map<String, String> context(JsonNode c, Map<String, String> defaults) {
        if (c == null || c.isNull()) return defaults;
        if (!c.isObject()) throw new Invalid("context: must be an object of strings");
        if (c.size() > MAX_CONTEXT_FIELDS) throw new Invalid("context: more than " + MAX_CONTEXT_FIELDS + " fields");
        Map<String, String> out = new HashMap<>(defaults);
        for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = f.getKey();
            if (key.equals("timestamp")) throw new Invalid("context.timestamp: put the event time in the event's own timestamp field");
            if (key.isEmpty() || key.length() > 64) throw new Invalid("context: field names are 1 to 64 characters");
            if (f.getValue().isNull()) continue;
            if (!f.getValue().isTextual()) throw new Invalid("context." + shorten(key, 64) + ": must be a string");
            String v = f.getValue().asText();
            if (v.length() > MAX_CONTEXT_CHARS) throw new Invalid("context." + shorten(key, 64) + ": longer than " + MAX_CONTEXT_CHARS + " characters");
            out.put(key, v);
        }
        return out;
    }

    private static String string(JsonNode e, String field, boolean required) {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new Invalid(field + ": required");
            return null;
        }
        if (!v.isTextual()) throw new Invalid(field + ": must be a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        if (v.asText().isEmpty()) throw new Invalid(field + ": must not be empty");
        return v.asText();
    }

    /** ISO-8601 with {@code Z} or an offset, or without (UTC), as in {@code /recommend}; epoch milliseconds. */
    static long parseTimestamp(String s) {
        try {
            return IsoTimestamps.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Invalid("timestamp: must be ISO-8601 (e.g. 2026-12-05T09:30:00Z), got '" + shorten(s, 64) + "'");
        } catch (ArithmeticException e) {
            throw new Invalid("timestamp: out of range");
        }
    }

    static String shorten(String s, int max) {
        if (s == null) return "";
        return s.length() > max ? s.substring(0, max) + "…" : s;
    }

    /** Exposed for tests and the docs: the instant a timestamp string stands for. */
    public static Instant instant(String s) {
        return Instant.ofEpochMilli(parseTimestamp(s));
    }
}
