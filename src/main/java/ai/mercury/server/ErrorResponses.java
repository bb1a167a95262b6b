package ai.mercury.server;

import ai.mercury.core.Json;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one place that turns a failure into the {@code {"error", "message"}} contract, for the router
 * (typed {@link ApiException}s, Vert.x's own 4xx, unexpected exceptions) and for requests Vert.x
 * refuses before routing (malformed request line or headers: {@link #invalidRequest}). It also
 * guarantees an answer: a body that cannot be written becomes a 500, and when even that fails the
 * connection is closed, so no request is left hanging. Client mistakes are logged as one
 * rate-limited line ({@link ClientErrorLog}); only the server's own faults are SEVERE with a trace.
 */
final class ErrorResponses {
    private static final System.Logger LOG = System.getLogger(HttpVerticle.class.getName());
    private static final String JSON_TYPE = "application/json";
    private static final byte[] INTERNAL = "{\"error\":\"internal_error\",\"message\":\"an internal error occurred; the server log has the details\"}"
            .getBytes(StandardCharsets.US_ASCII);

    private ErrorResponses() {}

    /** Routes every error status the router can produce by itself to {@code handler}, so that Vert.x never answers in plain text. */
    static void mount(Router router, Handler<RoutingContext> handler) {
        for (int status = 400; status < 600; status++) {
            if (status != 404 && status != 405) router.errorHandler(status, handler); // 404 and 405 have their own messages
        }
    }

    /** Answers {@code body} as JSON; a body that cannot be written becomes a 500 (the request is answered either way). */
    static void sendJson(RoutingContext ctx, int status, JsonObject body) {
        Buffer bytes;
        try {
            bytes = ResponseWriter.json(body);
        } catch (RuntimeException e) {
            serverFault(ctx, e);
            return;
        }
        end(ctx, status, bytes);
    }

    /** Sends the {@code {error, message}} body; every 503 says when to retry ({@code Retry-After: 1}), wherever it came from. */
    static void sendError(RoutingContext ctx, int status, String code, String message) {
        if (status == 503 && !ctx.response().headWritten()) ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
        Buffer bytes;
        try {
            bytes = ResponseWriter.error(code, message);
        } catch (RuntimeException e) {
            serverFault(ctx, e);
            return;
        }
        end(ctx, status, bytes);
    }

    /** Ends the response; when that throws (headers already sent, a closed connection), closes the connection instead of leaving it open. */
    static void end(RoutingContext ctx, int status, Buffer body) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) return;
        try {
            response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON_TYPE).end(body);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not send a response to " + ctx.request().method() + " " + ctx.request().path()
                    + "; closing the connection", e);
            close(ctx.request());
        }
    }

    /** A handler for an asynchronous result that fails the request (and so answers it) when the handler throws. */
    static <T> Handler<T> guard(RoutingContext ctx, Handler<T> handler) {
        return value -> {
            try {
                handler.handle(value);
            } catch (Throwable t) {
                if (!ctx.failed()) {
                    ctx.fail(t);
                } else {
                    serverFault(ctx, t);
                }
            }
        };
    }

    /**
     * The router's failure handler: typed errors keep their status, a client that went away or sent
     * bytes HTTP cannot parse gets one rate-limited INFO line, Vert.x's own 4xx become the contract,
     * and anything else is a logged 500.
     */
    static void onFailure(RoutingContext ctx, long maxBodyBytes) {
        try {
            handleFailure(ctx, maxBodyBytes);
        } catch (Throwable t) {
            serverFault(ctx, t);
        }
    }

    private static void handleFailure(RoutingContext ctx, long maxBodyBytes) {
        Throwable failure = ctx.failure();
        HttpServerRequest request = ctx.request();
        if (failure instanceof ApiException api) {
            sendError(ctx, api.status(), api.code(), api.getMessage());
            return;
        }
        if (failure instanceof Json.InvalidJson invalid) {
            sendError(ctx, 400, "invalid_json", invalid.getMessage());
            return;
        }
        if (ctx.response().closed() || failure instanceof HttpClosedException) {
            ClientErrorLog.log("client_closed", request.method() + " " + request.path() + ": the client closed the connection before the answer ("
                    + ClientErrorLog.describe(failure) + ")");
            return;
        }
        if (fromHttpCodec(failure)) {
            ClientErrorLog.log("malformed_http", request.method() + " " + request.path() + ": " + ClientErrorLog.describe(failure));
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            sendError(ctx, 400, "bad_request", "the request could not be read as HTTP/1.1: " + ClientErrorLog.describe(failure));
            close(request);
            return;
        }
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_1_1 && request.getHeader(HttpHeaders.HOST) == null) {
            // Vert.x fails the request while routing (VertxException "the 'Host' header is required")
            ClientErrorLog.log("bad_request", request.method() + " " + request.path() + ": no Host header");
            sendError(ctx, 400, "bad_request", "an HTTP/1.1 request needs a Host header");
            return;
        }
        int status = ctx.statusCode();
        if (failure == null && status >= 400 && status < 500) {
            clientStatus(ctx, status, maxBodyBytes);
            return;
        }
        if (failure instanceof IllegalArgumentException && status == 400) { // the router could not decode the path
            ClientErrorLog.log("bad_request", request.method() + " " + request.path() + ": " + ClientErrorLog.describe(failure));
            sendError(ctx, 400, "bad_request", "the request could not be read: " + ClientErrorLog.describe(failure));
            return;
        }
        serverFault(ctx, failure);
    }

    /** A 4xx the router or a Vert.x handler decided on by itself (no exception). */
    private static void clientStatus(RoutingContext ctx, int status, long maxBodyBytes) {
        HttpServerRequest request = ctx.request();
        switch (status) {
            case 400 -> sendError(ctx, 400, "bad_request", "the request could not be read");
            case 401 -> sendError(ctx, 401, "unauthorized", "admin endpoints need 'Authorization: Bearer <admin token>'");
            case 404 -> sendError(ctx, 404, "not_found", "no route for " + request.path());
            case 405 -> sendError(ctx, 405, "method_not_allowed", request.method() + " is not allowed on " + request.path());
            case 413 -> sendError(ctx, 413, "payload_too_large", "the body exceeds the limit of " + maxBodyBytes + " bytes");
            case 415 -> sendError(ctx, 415, "unsupported_media_type", "content-type must be application/json");
            case 417 -> sendError(ctx, 417, "expectation_failed", "only 'Expect: 100-continue' is supported, got '"
                    + shorten(request.getHeader(HttpHeaders.EXPECT)) + "'");
            default -> sendError(ctx, status, "http_" + status, "the request was refused (HTTP " + status + ")");
        }
    }

    /** A bug or an unexpected failure inside the server: SEVERE with its trace, and a generic 500 (or a closed connection). */
    private static void serverFault(RoutingContext ctx, Throwable failure) {
        HttpServerRequest request = ctx.request();
        LOG.log(System.Logger.Level.ERROR, "unhandled failure on " + request.method() + " " + request.path()
                + " request_id=" + HttpConventions.requestId(ctx), failure);
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) return;
        try {
            if (response.headWritten()) {
                close(request); // half a response went out: only closing tells the client it is broken
            } else {
                response.setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, JSON_TYPE).end(Buffer.buffer(INTERNAL));
            }
        } catch (RuntimeException e) {
            close(request);
        }
    }

    /**
     * What Vert.x calls for a request it could not decode (bad request line or headers, a line or
     * the headers over the limit): the JSON contract with 414, 431 or 400, then the connection closes.
     */
    static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        int status;
        String code;
        String text;
        if (cause instanceof TooLongFrameException && message.startsWith("An HTTP line is larger than")) {
            status = 414;
            code = "uri_too_long";
            text = "the request line is too long: " + message;
        } else if (cause instanceof TooLongFrameException && message.startsWith("HTTP header is larger than")) {
            status = 431;
            code = "header_fields_too_large";
            text = "the request headers are too large: " + message;
        } else {
            status = 400;
            code = "bad_request";
            text = "the request is not valid HTTP/1.1" + (message.isEmpty() ? "" : ": " + message);
        }
        ClientErrorLog.log("invalid_http", status + " " + text);
        HttpServerResponse response = request.response();
        try {
            if (!response.headWritten() && !response.closed()) {
                response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON_TYPE).putHeader(HttpHeaders.CONNECTION, "close")
                        .end(ResponseWriter.error(code, shorten(text))).onComplete(ar -> close(request));
                return;
            }
        } catch (RuntimeException e) {
            // fall through: close
        }
        close(request);
    }

    /**
     * A first handler on every route: refuses a path or query string with a broken percent-escape
     * ({@code /%zz}, {@code ?query=%zz}) with a 400 before the router tries to decode it (where it would fail with a logged trace).
     */
    static void checkPath(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path != null && path.indexOf('%') >= 0 && !validEscapes(path)) {
            ClientErrorLog.log("bad_request", ctx.request().method() + " " + path + ": invalid percent-escape in the path");
            ctx.fail(ApiException.badRequest("the path has an invalid percent-escape (use %XX with two hex digits)"));
            return;
        }
        String query = ctx.request().query();
        if (query != null && query.indexOf('%') >= 0 && !validEscapes(query)) {
            ClientErrorLog.log("bad_request", ctx.request().method() + " " + path + ": invalid percent-escape in the query string");
            ctx.fail(ApiException.badRequest("the query string is not valid URL encoding (use %XX with two hex digits)"));
            return;
        }
        ctx.next();
    }

    static boolean validEscapes(String path) {
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0 || Character.digit(path.charAt(i + 2), 16) < 0) return false;
        }
        return true;
    }

    /** Whether {@code t} came from the HTTP decoder or the socket: bytes from the client, not a fault of the server. */
    static boolean fromHttpCodec(Throwable t) {
        if (t == null) return false;
        if (t instanceof DecoderException || t instanceof TooLongFrameException || t instanceof IOException) return true;
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i < Math.min(6, trace.length); i++) {
            if (trace[i].getClassName().startsWith("io.netty.handler.codec")) return true;
        }
        return false;
    }

    private static void close(HttpServerRequest request) {
        try {
            request.connection().close();
        } catch (RuntimeException e) {
            // already closed
        }
    }

    private static String shorten(String s) {
        if (s == null) return "";
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
