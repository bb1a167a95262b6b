package ai.mercury.config;

import ai.mercury.core.Json;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's configuration, parsed once and validated. Sources, later ones winning: the
 * defaults below, the JSON file ({@code conf/mercury.json}, nested objects), environment variables
 * ({@code MERCURY_} + the dotted key upper-cased with dots as underscores, e.g.
 * {@code MERCURY_HTTP_PORT}), then explicit overrides (CLI flags). Every failure names the key.
 * The {@code swap.*} keys form a {@link SwapConfig}, the {@code inference.*} dispatch keys a {@link DispatchConfig}, the {@code items.*} keys an {@link ItemsConfig}, the HTTP conventions and {@code log.*} keys an {@link EdgeConfig}, the {@code events.*} and {@code sessions.*} keys an {@link EventsConfig} and a {@link SessionsConfig}, the connection limits a {@link ConnectionConfig}, the {@code replication.kafka.*} keys a {@link ReplicationConfig}; {@code admin.token} (also
 * {@code MERCURY_ADMIN_TOKEN}) is a {@link Secret}, which {@code toString} does not reveal.
 */
public record MercuryConfig(
        String httpHost,
        int httpPort,
        int httpInstances,
        int maxBodyBytes,
        long requestTimeoutMs,
        Path artifactsDir,
        IndexParams index,
        int workerInstances,
        int onnxIntraOpThreads,
        int warmupQueries,
        int maxK,
        int defaultK,
        int maxHistory,
        int maxQueryChars,
        Secret adminToken,
        SwapConfig swap,
        DispatchConfig dispatch,
        CacheConfig cache,
        ItemsConfig items,
        long shutdownGraceMs,
        EdgeConfig edge,
        EventsConfig events,
        SessionsConfig sessions,
        ConnectionConfig connections,
        int warmupHttpSeconds,
        int warmupHttpMaxSeconds,
        int warmupSwapSeconds,
        ReplicationConfig replication) {

    public static final String DEFAULT_HTTP_HOST = "0.0.0.0";
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final int DEFAULT_HTTP_INSTANCES = 1;
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
    /** SIGTERM: how long in-flight requests may take to finish before their connections are closed. */
    public static final long DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
    public static final String DEFAULT_ARTIFACTS_DIR = "artifacts";
    public static final int DEFAULT_WORKER_INSTANCES = 2;
    public static final int DEFAULT_ONNX_INTRA_OP_THREADS = 1;
    public static final int DEFAULT_WARMUP_QUERIES = 20;
    public static final int DEFAULT_MAX_K = 1000;
    public static final int DEFAULT_K = 20;
    public static final int DEFAULT_MAX_HISTORY = 200;
    public static final int DEFAULT_MAX_QUERY_CHARS = 1000;
    /** Seconds of representative requests the server sends itself over HTTP after start, before it reports ready. */
    public static final int DEFAULT_WARMUP_HTTP_SECONDS = 5;
    /** Longest start-up warm-up: past {@code warmup.http_seconds} it goes on while the JIT is still compiling, up to this. */
    public static final int DEFAULT_WARMUP_HTTP_MAX_SECONDS = 60;
    /** Seconds of representative requests run in-process on a new bundle before it is published. */
    public static final int DEFAULT_WARMUP_SWAP_SECONDS = 2;
    /** No token: the admin endpoints are disabled (they answer 401). */
    public static final String DEFAULT_ADMIN_TOKEN = "";

    /** Every key the file, the environment and the overrides may set, with its default. */
    static final Map<String, Object> DEFAULTS;

    static {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("http.host", DEFAULT_HTTP_HOST);
        d.put("http.port", DEFAULT_HTTP_PORT);
        d.put("http.instances", DEFAULT_HTTP_INSTANCES);
        d.put("http.max_body_bytes", DEFAULT_MAX_BODY_BYTES);
        d.put("http.request_timeout_ms", DEFAULT_REQUEST_TIMEOUT_MS);
        d.put("http.shutdown_grace_ms", DEFAULT_SHUTDOWN_GRACE_MS);
        d.put("artifacts.dir", DEFAULT_ARTIFACTS_DIR);
        d.put("index.kind", IndexParams.DEFAULTS.kind().name().toLowerCase(Locale.ROOT));
        d.put("index.m", IndexParams.DEFAULTS.m());
        d.put("index.ef_construction", IndexParams.DEFAULTS.efConstruction());
        d.put("index.ef", IndexParams.DEFAULTS.ef());
        d.put("index.exact_below", IndexParams.DEFAULTS.exactBelow());
        d.put("index.guide_samples", IndexParams.DEFAULTS.guideSamples());
        d.put("index.graph_order", IndexParams.DEFAULTS.graphOrder());
        d.put("inference.worker_instances", DEFAULT_WORKER_INSTANCES);
        d.put("inference.onnx_intra_op_threads", DEFAULT_ONNX_INTRA_OP_THREADS);
        d.put("inference.warmup_queries", DEFAULT_WARMUP_QUERIES);
        DispatchConfig.putDefaults(d);
        d.put("limits.max_k", DEFAULT_MAX_K);
        d.put("limits.default_k", DEFAULT_K);
        d.put("limits.max_history", DEFAULT_MAX_HISTORY);
        d.put("limits.max_query_chars", DEFAULT_MAX_QUERY_CHARS);
        d.put("admin.token", DEFAULT_ADMIN_TOKEN);
        SwapConfig.putDefaults(d);
        CacheConfig.putDefaults(d);
        ItemsConfig.putDefaults(d);
        EdgeConfig.putDefaults(d);
        EventsConfig.putDefaults(d);
        SessionsConfig.putDefaults(d);
        ConnectionConfig.putDefaults(d);
        d.put("warmup.http_seconds", DEFAULT_WARMUP_HTTP_SECONDS);
        d.put("warmup.http_max_seconds", DEFAULT_WARMUP_HTTP_MAX_SECONDS);
        d.put("warmup.swap_seconds", DEFAULT_WARMUP_SWAP_SECONDS);
        ReplicationConfig.putDefaults(d);
        DEFAULTS = Map.copyOf(d);
    }

    /** Thrown at start-up; the message names the offending key. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    public static MercuryConfig defaults() {
        return load(null, Map.of(), Map.of());
    }

    /**
     * @param file      JSON file, or null for none
     * @param env       environment variables (System.getenv() in production)
     * @param overrides dotted keys to values, e.g. {@code http.port -> 0}
     */
    public static MercuryConfig load(Path file, Map<String, String> env, Map<String, ?> overrides) {
        Map<String, Object> values = new TreeMap<>(DEFAULTS);
        if (file != null) {
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage());
            }
            if (root == null || !root.isObject()) throw new ConfigException("configuration " + file + " must be a JSON object");
            flatten("", root, values, file);
        }
        for (String key : DEFAULTS.keySet()) {
            String var = "MERCURY_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
            String v = env.get(var);
            if (v != null && !v.isBlank()) values.put(key, v.trim());
        }
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            if (!DEFAULTS.containsKey(e.getKey())) throw new ConfigException("unknown configuration key " + e.getKey());
            if (e.getValue() != null) values.put(e.getKey(), e.getValue());
        }
        return fromValues(values);
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Object> out, Path file) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key + ".", v, out, file);
            } else if (!DEFAULTS.containsKey(key)) {
                throw new ConfigException("unknown configuration key " + key + " in " + file + "; known keys: " + new TreeMap<>(DEFAULTS).keySet());
            } else if (v.isNumber() || v.isTextual() || v.isBoolean()) {
                out.put(key, v.isTextual() ? v.asText() : v.numberValue() != null ? v.numberValue() : v.asBoolean());
            } else {
                throw new ConfigException(key + " in " + file + " must be a number or a string");
            }
        }
    }

    private static MercuryConfig fromValues(Map<String, Object> v) {
        int exactBelow = intIn(v, "index.exact_below", 0, Integer.MAX_VALUE);
        IndexKind kind;
        try {
            kind = IndexKind.parse(str(v, "index.kind"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("index.kind: " + e.getMessage());
        }
        IndexParams index;
        try {
            index = new IndexParams(kind, intIn(v, "index.m", 2, 256), intIn(v, "index.ef_construction", 1, 100_000),
                    intIn(v, "index.ef", 1, 100_000), exactBelow, intIn(v, "index.guide_samples", 0, IndexParams.MAX_GUIDE_SAMPLES),
                    bool(v, "index.graph_order"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("index: " + e.getMessage());
        }
        int maxK = intIn(v, "limits.max_k", 1, 100_000);
        int defaultK = intIn(v, "limits.default_k", 1, maxK);
        String host = str(v, "http.host");
        if (host.isBlank()) throw new ConfigException("http.host must not be empty");
        String artifacts = str(v, "artifacts.dir");
        if (artifacts.isBlank()) throw new ConfigException("artifacts.dir must not be empty");
        EventsConfig events = EventsConfig.from(v);
        return new MercuryConfig(host, intIn(v, "http.port", 0, 65535), intIn(v, "http.instances", 1, 64),
                intIn(v, "http.max_body_bytes", 256, 64 * 1024 * 1024), intIn(v, "http.request_timeout_ms", 1, 600_000),
                Path.of(artifacts), index, intIn(v, "inference.worker_instances", 1, 256),
                intIn(v, "inference.onnx_intra_op_threads", 1, 64), intIn(v, "inference.warmup_queries", 0, 10_000),
                maxK, defaultK, intIn(v, "limits.max_history", 1, 100_000), intIn(v, "limits.max_query_chars", 1, 1_000_000),
                new Secret(str(v, "admin.token").trim()), SwapConfig.from(v), DispatchConfig.from(v), CacheConfig.from(v), ItemsConfig.from(v),
                intIn(v, "http.shutdown_grace_ms", 0, 600_000), EdgeConfig.from(v), events, SessionsConfig.from(v, events),
                ConnectionConfig.from(v), intIn(v, "warmup.http_seconds", 0, 300), intIn(v, "warmup.http_max_seconds", 0, 600), intIn(v, "warmup.swap_seconds", 0, 300),
                ReplicationConfig.from(v));
    }

    /** A value that must not appear in logs: {@code toString} hides it. */
    public record Secret(String value) {
        public boolean isEmpty() {
            return value == null || value.isEmpty();
        }

        @Override
        public String toString() {
            return isEmpty() ? "(none)" : "(redacted)";
        }
    }

    static String str(Map<String, Object> v, String key) {
        return String.valueOf(v.get(key));
    }

    static boolean bool(Map<String, Object> v, String key) {
        Object raw = v.get(key);
        if (raw instanceof Boolean b) return b;
        String s = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        if (s.equals("true")) return true;
        if (s.equals("false")) return false;
        throw new ConfigException(key + " must be true or false, got '" + raw + "'");
    }

    static double doubleIn(Map<String, Object> v, String key, double min, double max) {
        Object raw = v.get(key);
        double value;
        try {
            value = raw instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, got '" + raw + "'");
        }
        if (!(value >= min && value <= max)) throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + raw);
        return value;
    }

    static int intIn(Map<String, Object> v, String key, int min, int max) {
        Object raw = v.get(key);
        long value;
        try {
            value = raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : Long.parseLong(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be an integer, got '" + raw + "'");
        }
        if (value < min || value > max) throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + value);
        return (int) value;
    }
}
