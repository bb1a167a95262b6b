package ai.mercury.server;

import ai.mercury.config.EdgeConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The HTTP conventions browser and service clients expect, as one handler that runs first on
 * every request: {@code X-Request-Id} (taken from the request when it is a sane token, generated
 * otherwise; echoed, and put in the access log and error lines), CORS for the configured origins
 * (answering preflights itself), and an access log line per request. Response compression is a
 * server option ({@link #applyCompression}). Every part is skipped when its key is off, so the
 * hot path pays only for what is enabled. Thread-safe; one instance may serve every event loop.
 */
final class HttpConventions {
    static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
    private static final String CONTEXT_KEY = "mercury.request_id";
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
    private static final CharSequence ALLOWED_METHODS = HttpHeaders.createOptimized("GET, POST, PUT, DELETE, OPTIONS");
    private static final CharSequence ALLOWED_HEADERS = HttpHeaders.createOptimized("Content-Type, Authorization, X-Request-Id");
    private static final Logger ACCESS = Logger.getLogger("ai.mercury.access");

    private final EdgeConfig config;
    /** Generated ids: a random process prefix and a counter (unique in the process, cheaper than a UUID). */
    private final String idPrefix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36) + "-";
    private final AtomicLong nextId = new AtomicLong();

    HttpConventions(EdgeConfig config) {
        this.config = config;
    }

    /** Compression of responses larger than the threshold, for clients that ask for it (Accept-Encoding). */
    static HttpServerOptions applyCompression(HttpServerOptions options, EdgeConfig config) {
        return options.setCompressionSupported(config.compression()).setCompressionLevel(config.compressionLevel())
                .setCompressionContentSizeThreshold(config.compressionMinBytes());
    }

    /** Mounts the handler in front of every route; nothing when every part is off. */
    void mount(Router router) {
        if (config.requestIds() || !config.corsAllowedOrigins().isEmpty() || config.accessLog()) router.route().handler(this::handle);
    }

    /** The request id of {@code ctx}, or null when request ids are off. */
    static String requestId(RoutingContext ctx) {
        return ctx.get(CONTEXT_KEY);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        String id = null;
        if (config.requestIds()) {
            String given = request.getHeader(REQUEST_ID);
            id = given != null && SANE_ID.matcher(given).matches() ? given : idPrefix + Long.toString(nextId.incrementAndGet(), 36);
            ctx.put(CONTEXT_KEY, id);
            response.putHeader(REQUEST_ID, id);
        }
        if (config.accessLog()) logWhenDone(ctx, id);
        if (!config.corsAllowedOrigins().isEmpty() && cors(request, response)) return;
        ctx.next();
    }

    /** Adds the CORS headers for an allowed origin; answers a preflight itself (returns true then). */
    private boolean cors(HttpServerRequest request, HttpServerResponse response) {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) return false;
        response.putHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        boolean any = config.corsAnyOrigin();
        if (!any && !config.corsAllowedOrigins().contains(origin)) return false; // no CORS headers: the browser refuses
        response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, any ? "*" : origin);
        if (request.method() == HttpMethod.OPTIONS && request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "600")
                    .setStatusCode(204).end();
            return true;
        }
        response.putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, REQUEST_ID);
        return false;
    }

    private static void logWhenDone(RoutingContext ctx, String id) {
        long start = System.nanoTime();
        HttpServerRequest request = ctx.request();
        ctx.addEndHandler(ar -> {
            HttpServerResponse response = ctx.response();
            double ms = Math.round((System.nanoTime() - start) / 1e3) / 1e3;
            String path = request.path();
            String line = request.method() + " " + path + " " + response.getStatusCode() + " " + response.bytesWritten() + "B " + ms + "ms"
                    + (id == null ? "" : " request_id=" + id) + (ar.succeeded() ? "" : " (connection closed before the end)");
            ACCESS.log(new StructuredLogRecord(Level.INFO, line, ACCESS.getName(), Map.of(
                    "method", request.method().name(), "path", path == null ? "" : path, "status", response.getStatusCode(),
                    "bytes", response.bytesWritten(), "duration_ms", ms, "request_id", id == null ? "" : id)));
        });
    }
}
