package ai.mercury.config;

import java.util.Map;

/**
 * Limits on HTTP connections ({@code http.*}), so that idle, slow or too many clients cannot hold
 * the server's file descriptors: see docs/operations.md#connection-limits. Immutable.
 *
 * @param idleTimeoutMs        {@code http.idle_timeout_ms}: a connection with no bytes in either direction for this long is
 *                             closed; a keep-alive connection must also deliver its next complete request within this long
 *                             of its last response (dripping bytes does not extend it). 0: neither
 * @param requestReadTimeoutMs {@code http.request_read_timeout_ms}: a new connection must deliver a complete request
 *                             (headers and body) within this long, and a request whose headers arrived must deliver its body
 *                             within this long (slowloris); past it the connection is closed (with 408 {@code request_timeout}
 *                             when the headers had arrived). 0: off
 * @param maxConnections       {@code http.max_connections}: open connections across all HTTP verticles; a new connection past
 *                             it first closes the connection idle the longest (no request in progress), and is itself closed
 *                             at once when every connection is busy. Keep it below the process's file-descriptor limit
 *                             ({@code ulimit -n}) minus a few hundred for bundle files, journals and logs
 */
public record ConnectionConfig(long idleTimeoutMs, long requestReadTimeoutMs, int maxConnections) {
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_REQUEST_READ_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    static void putDefaults(Map<String, Object> d) {
        d.put("http.idle_timeout_ms", DEFAULT_IDLE_TIMEOUT_MS);
        d.put("http.request_read_timeout_ms", DEFAULT_REQUEST_READ_TIMEOUT_MS);
        d.put("http.max_connections", DEFAULT_MAX_CONNECTIONS);
    }

    static ConnectionConfig from(Map<String, Object> v) {
        return new ConnectionConfig(MercuryConfig.intIn(v, "http.idle_timeout_ms", 0, 3_600_000),
                MercuryConfig.intIn(v, "http.request_read_timeout_ms", 0, 600_000),
                MercuryConfig.intIn(v, "http.max_connections", 1, 10_000_000));
    }
}
