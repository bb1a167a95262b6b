package ai.mercury.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP conventions of the edge and the log options: CORS, response compression, request ids,
 * the access log and the log format. Part of {@link MercuryConfig}. Immutable.
 *
 * @param corsAllowedOrigins   {@code http.cors.allowed_origins}: comma-separated origins allowed to call
 *                             the API from a browser ({@code *} for any); empty (the default) sends no
 *                             CORS headers, so browsers allow only same-origin calls
 * @param compression          {@code http.compression.enabled}: gzip/deflate for clients that send
 *                             {@code Accept-Encoding}; responses to other clients are never compressed
 * @param compressionMinBytes  {@code http.compression.min_bytes}: smaller bodies go out uncompressed
 * @param compressionLevel     {@code http.compression.level}: 1 (fastest) to 9 (smallest)
 * @param requestIds           {@code http.request_id}: take {@code X-Request-Id} from the request or
 *                             generate one, echo it in the response and put it in the log lines
 * @param accessLog            {@code log.access}: one log line per request (logger {@code ai.mercury.access})
 * @param logFormat            {@code log.format}: {@code text} or {@code json} (one JSON object per line)
 */
public record EdgeConfig(List<String> corsAllowedOrigins, boolean compression, int compressionMinBytes, int compressionLevel,
                         boolean requestIds, boolean accessLog, String logFormat) {
    public static final String DEFAULT_CORS_ALLOWED_ORIGINS = "";
    public static final boolean DEFAULT_COMPRESSION = true;
    public static final int DEFAULT_COMPRESSION_MIN_BYTES = 1024;
    public static final int DEFAULT_COMPRESSION_LEVEL = 6;
    public static final boolean DEFAULT_REQUEST_IDS = true;
    public static final boolean DEFAULT_ACCESS_LOG = false;
    public static final String DEFAULT_LOG_FORMAT = "text";

    public EdgeConfig {
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
    }

    static void putDefaults(Map<String, Object> d) {
        d.put("http.cors.allowed_origins", DEFAULT_CORS_ALLOWED_ORIGINS);
        d.put("http.compression.enabled", DEFAULT_COMPRESSION);
        d.put("http.compression.min_bytes", DEFAULT_COMPRESSION_MIN_BYTES);
        d.put("http.compression.level", DEFAULT_COMPRESSION_LEVEL);
        d.put("http.request_id", DEFAULT_REQUEST_IDS);
        d.put("log.access", DEFAULT_ACCESS_LOG);
        d.put("log.format", DEFAULT_LOG_FORMAT);
    }

    static EdgeConfig from(Map<String, Object> v) {
        List<String> origins = Arrays.stream(MercuryConfig.str(v, "http.cors.allowed_origins").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String o : origins) {
            if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
                throw new MercuryConfig.ConfigException("http.cors.allowed_origins: '" + o + "' is not an origin (scheme://host[:port]) or *");
            }
        }
        String format = MercuryConfig.str(v, "log.format").trim().toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw new MercuryConfig.ConfigException("log.format must be text or json, got '" + format + "'");
        }
        return new EdgeConfig(origins, MercuryConfig.bool(v, "http.compression.enabled"),
                MercuryConfig.intIn(v, "http.compression.min_bytes", 0, 64 * 1024 * 1024),
                MercuryConfig.intIn(v, "http.compression.level", 1, 9),
                MercuryConfig.bool(v, "http.request_id"), MercuryConfig.bool(v, "log.access"), format);
    }

    /** Whether browsers from any origin may call the API. */
    public boolean corsAnyOrigin() {
        return corsAllowedOrigins.contains("*");
    }
}
