package ai.mercury.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code events.*} keys: {@code POST /events}, the event log on disk and the context defaults
 * taken from request headers. Part of {@link MercuryConfig}; see docs/events.md. Immutable.
 *
 * @param enabled             serve {@code /events}, {@code /sessions}, {@code /users} and keep the log (false: 404, and /recommend ignores ids)
 * @param dir                 directory of the log's segment files; one server per directory (it is locked)
 * @param flushMs             group commit: the log is fsynced at least this often (a machine crash loses at most this window)
 * @param segmentBytes        a segment is closed and a new one started past this size (and at each UTC day)
 * @param retentionDays       segments whose day is older than this are deleted (0 = keep forever)
 * @param maxBatch            most events in one {@code POST /events}
 * @param maxBodyBytes        largest {@code POST /events} body (413 beyond); batches need more than {@code http.max_body_bytes}
 * @param token               bearer token for {@code POST /events}; empty = open (browsers send events)
 * @param types               accepted event types: the four built-in ones plus {@code events.extra_types}
 * @param maxFutureMs         an event timestamp further than this ahead of the server clock is refused
 * @param maxAgeMs            an event timestamp older than this is refused
 * @param deviceFromUserAgent derive {@code context.device} from User-Agent when the body has none
 * @param countryHeader       request header holding the visitor's country (e.g. {@code CF-IPCountry}); empty = off
 * @param maxPending          events accepted but not yet written by the log's writer; a batch that would pass it gets 503
 *                            {@code overloaded} with {@code Retry-After}, so a writer that cannot keep up (slow disk, a core
 *                            busy serving) sheds instead of queueing without bound
 */
public record EventsConfig(boolean enabled, Path dir, int flushMs, long segmentBytes, int retentionDays, int maxBatch, int maxBodyBytes,
                           MercuryConfig.Secret token, Set<String> types, long maxFutureMs, long maxAgeMs,
                           boolean deviceFromUserAgent, String countryHeader, int maxPending) {

    public static final Set<String> BUILT_IN_TYPES = Set.of("view", "click", "add_to_cart", "purchase");
    /** Event types, session and user ids: 1 to 128 of these characters. */
    public static final String TYPE_PATTERN = "[a-z][a-z0-9_]{0,31}";

    public EventsConfig {
        types = Set.copyOf(types);
    }

    static void putDefaults(Map<String, Object> d) {
        d.put("events.enabled", true);
        d.put("events.dir", "events");
        d.put("events.flush_ms", 1000);
        d.put("events.segment_bytes", 64L * 1024 * 1024);
        d.put("events.retention_days", 90);
        d.put("events.max_batch", 1000);
        d.put("events.max_body_bytes", 1024 * 1024);
        d.put("events.token", "");
        d.put("events.extra_types", "");
        d.put("events.max_future_ms", 300_000L);
        d.put("events.max_age_days", 30);
        d.put("events.device_from_user_agent", true);
        d.put("events.country_header", "");
        d.put("events.max_pending", 100_000);
    }

    static EventsConfig from(Map<String, Object> v) {
        String dir = MercuryConfig.str(v, "events.dir").trim();
        if (dir.isEmpty()) throw new MercuryConfig.ConfigException("events.dir must not be empty");
        Set<String> types = new LinkedHashSet<>(BUILT_IN_TYPES);
        types.addAll(typeList(MercuryConfig.str(v, "events.extra_types"), "events.extra_types"));
        String header = MercuryConfig.str(v, "events.country_header").trim();
        if (!header.isEmpty() && !header.matches("[A-Za-z0-9-]{1,64}")) {
            throw new MercuryConfig.ConfigException("events.country_header must be a header name (letters, digits, '-'), got '" + header + "'");
        }
        int maxBatch = MercuryConfig.intIn(v, "events.max_batch", 1, 100_000);
        int maxPending = MercuryConfig.intIn(v, "events.max_pending", 1, 100_000_000);
        if (maxPending < maxBatch) {
            throw new MercuryConfig.ConfigException("events.max_pending (" + maxPending + ") must be at least events.max_batch (" + maxBatch + "): a full batch could never be accepted");
        }
        return new EventsConfig(MercuryConfig.bool(v, "events.enabled"), Path.of(dir),
                MercuryConfig.intIn(v, "events.flush_ms", 1, 60_000),
                MercuryConfig.intIn(v, "events.segment_bytes", 4096, Integer.MAX_VALUE),
                MercuryConfig.intIn(v, "events.retention_days", 0, 36_500),
                maxBatch,
                MercuryConfig.intIn(v, "events.max_body_bytes", 256, 256 * 1024 * 1024),
                new MercuryConfig.Secret(MercuryConfig.str(v, "events.token").trim()), types,
                MercuryConfig.intIn(v, "events.max_future_ms", 0, Integer.MAX_VALUE),
                MercuryConfig.intIn(v, "events.max_age_days", 1, 36_500) * 86_400_000L,
                MercuryConfig.bool(v, "events.device_from_user_agent"), header, maxPending);
    }

    /** A comma-separated list of event type names, each checked against {@link #TYPE_PATTERN}; the message names {@code key}. */
    static Set<String> typeList(String raw, String key) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : raw.split(",")) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (!t.matches(TYPE_PATTERN)) throw new MercuryConfig.ConfigException(key + ": '" + t + "' is not an event type name (" + TYPE_PATTERN + ")");
            out.add(t);
        }
        return out;
    }
}
