package ai.mercury.server;

import ai.mercury.config.ConnectionConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection limits of one HTTP verticle ({@link ConnectionConfig}): file descriptors are the
 * resource idle and slow clients exhaust, so every connection is bounded in time and in number.
 * <ul>
 *   <li><b>Read timeout.</b> A new connection must deliver a complete request within
 *       {@code http.request_read_timeout_ms}, and a request whose headers arrived must deliver its
 *       body within it (a slowloris client drips bytes to stay below the idle timeout): past it the
 *       connection is closed, after a 408 {@code request_timeout} when there is a request to answer.</li>
 *   <li><b>Keep-alive timeout.</b> After its last response a connection must bring its next complete
 *       request within {@code http.idle_timeout_ms}, however slowly it drips bytes (Vert.x's own idle
 *       timeout, set on the server, closes connections with no bytes at all).</li>
 *   <li><b>Cap.</b> Past {@code http.max_connections} open connections (counted across verticles), a new
 *       connection closes this verticle's connection idle the longest (no request in progress) to make
 *       room, the way a busy server drops keep-alive connections; when none is idle the new one is closed.</li>
 * </ul>
 * Event-loop confined (one instance per verticle; its connections' handlers run on its loop),
 * apart from the shared {@link Shared} count.
 */
final class ConnectionGuard {
    /** The open-connection count shared by every HTTP verticle, and the config. Thread-safe. */
    static final class Shared {
        final AtomicInteger open = new AtomicInteger();
        final ConnectionConfig config;
        final ServerMetrics metrics;

        Shared(ConnectionConfig config, ServerMetrics metrics) {
            this.config = config;
            this.metrics = metrics;
            metrics.bindConnections(open::get);
        }
    }

    private final Shared shared;
    private final Vertx vertx;
    private final Map<HttpConnection, Conn> conns = new HashMap<>();
    /** The connections with no request in progress, longest idle first. */
    private final LinkedHashMap<HttpConnection, Conn> idle = new LinkedHashMap<>();

    ConnectionGuard(Shared shared, Vertx vertx) {
        this.shared = shared;
        this.vertx = vertx;
    }

    /** A new connection (the server's connection handler). */
    void accepted(HttpConnection c) {
        if (shared.open.incrementAndGet() > shared.config.maxConnections() && !evictIdle()) {
            shared.open.decrementAndGet();
            shared.metrics.connectionClosed("over_limit");
            c.close();
            return;
        }
        Conn conn = new Conn(c);
        conns.put(c, conn);
        c.closeHandler(v -> {
            shared.open.decrementAndGet();
            conn.cancelTimer();
            conns.remove(c);
            idle.remove(c);
        });
        conn.becomeIdle(shared.config.requestReadTimeoutMs(), "read_timeout");
    }

    /** A request's headers arrived (before routing). */
    void requestArrived(HttpServerRequest req) {
        Conn conn = conns.get(req.connection());
        if (conn != null) conn.requestArrived(req);
    }

    /** The response to {@code req} ended (or its connection closed). */
    void responseEnded(HttpServerRequest req) {
        Conn conn = conns.get(req.connection());
        if (conn != null) conn.responseEnded();
    }

    /** Closes the connection idle the longest; false when none is idle. */
    private boolean evictIdle() {
        Iterator<Conn> it = idle.values().iterator();
        if (!it.hasNext()) return false;
        Conn victim = it.next();
        it.remove();
        victim.cancelTimer();
        shared.metrics.connectionClosed("evicted_idle");
        victim.connection.close();
        return true;
    }

    private final class Conn {
        final HttpConnection connection;
        int pending; // requests received and not yet answered (pipelining allows several)
        long timer = -1;

        Conn(HttpConnection connection) {
            this.connection = connection;
        }

        void requestArrived(HttpServerRequest req) {
            pending++;
            idle.remove(connection);
            cancelTimer();
            long budget = shared.config.requestReadTimeoutMs();
            if (budget > 0) {
                timer = vertx.setTimer(budget, id -> {
                    timer = -1;
                    if (req.isEnded()) return; // the whole request arrived: the server's to answer now
                    shared.metrics.connectionClosed("read_timeout");
                    if (!req.response().headWritten() && !req.response().ended()) {
                        req.response().setStatusCode(408).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                .putHeader(HttpHeaders.CONNECTION, "close")
                                .end(ResponseWriter.error("request_timeout", "the request did not arrive within "
                                        + budget + " ms (http.request_read_timeout_ms)"))
                                .onComplete(ignored -> connection.close());
                    } else {
                        connection.close();
                    }
                });
            }
        }

        void responseEnded() {
            if (pending > 0) pending--;
            if (pending == 0) {
                cancelTimer();
                becomeIdle(shared.config.idleTimeoutMs(), "keepalive_timeout");
            }
        }

        void becomeIdle(long budget, String reason) {
            idle.put(connection, this);
            if (budget > 0) {
                timer = vertx.setTimer(budget, id -> {
                    timer = -1;
                    if (pending > 0) return;
                    shared.metrics.connectionClosed(reason);
                    connection.close();
                });
            }
        }

        void cancelTimer() {
            if (timer >= 0) vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
