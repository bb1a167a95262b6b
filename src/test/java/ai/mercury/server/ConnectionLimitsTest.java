package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle, slow and too many connections cannot hold the server's file descriptors: each is closed by
 * a limit (http.request_read_timeout_ms, http.idle_timeout_ms, http.max_connections) while normal
 * requests keep being answered. The bounds asserted are generous (seconds): what matters is that
 * the connection is closed at all, which without the limits it never was.
 */
class ConnectionLimitsTest {
    @TempDir
    Path artifacts;

    @Test
    void idleAndSlowConnections_areClosed_slowBodyGets408() throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.request_read_timeout_ms", 400, "http.idle_timeout_ms", 800))) {
            assertTrue(h.awaitInitialLoad());
            // connects and never sends a byte
            try (Socket silent = connect(h)) {
                assertEquals("", readUntilClosed(silent, 15_000), "closed without an answer");
            }
            // slowloris: drips a header line every 100 ms, well inside the idle timeout, never finishing
            try (Socket loris = connect(h)) {
                OutputStream out = loris.getOutputStream();
                out.write("POST /recommend HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                boolean closed = false;
                for (int i = 0; i < 150 && !closed; i++) {
                    Thread.sleep(100);
                    try {
                        out.write(("X-Drip-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (IOException e) {
                        closed = true;
                    }
                    if (!closed) closed = isClosed(loris);
                }
                assertTrue(closed, "the dripping connection was closed before 15 s");
            }
            // headers arrive, the body never completes: 408 request_timeout, then close
            try (Socket slowBody = connect(h)) {
                slowBody.getOutputStream().write(("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"k\":").getBytes(StandardCharsets.US_ASCII));
                String answer = readUntilClosed(slowBody, 15_000);
                assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
                assertTrue(answer.contains("\"error\":\"request_timeout\""), answer);
            }
            // a keep-alive connection that does not send its next request is closed after the idle timeout
            try (Socket keepAlive = connect(h)) {
                keepAlive.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = readUntilClosed(keepAlive, 15_000);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            }
            assertEquals(200, h.recommend(new JsonObject().put("k", 3)).statusCode());
            // (failed once in a CI run with fewer than 3, cause not found: the message lists every close reason counted)
            assertTrue(h.metric("mercury_http_connections_closed_total{reason=\"read_timeout\"}") >= 3, () -> closeReasons(h));
            assertTrue(h.metric("mercury_http_connections_closed_total{reason=\"keepalive_timeout\"}") >= 1);
        }
    }

    @Test
    void pastMaxConnections_theLongestIdleIsClosed_andBusyOnesAreKept() throws Exception {
        FixtureBundle.copyTo(artifacts);
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("http.max_connections", 4))) {
            assertTrue(h.awaitInitialLoad());
            assertEquals(200, h.recommend(new JsonObject().put("k", 3)).statusCode()); // the harness client's pooled connection
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < 6; i++) idle.add(connect(h));
            // the idle sockets made room for each other; the cap holds
            ServerHarness.await(h.server.vertx().timer(300));
            assertTrue(h.metric("mercury_http_connections") <= 4, "open connections " + h.metric("mercury_http_connections"));
            assertTrue(h.metric("mercury_http_connections_closed_total{reason=\"evicted_idle\"}") >= 2);
            assertEquals(200, h.recommend(new JsonObject().put("k", 3)).statusCode(), "normal requests still get in");

            // four connections each in the middle of a request: nothing idle to close, so a fifth is refused
            for (Socket s : idle) s.close();
            List<Socket> busy = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = connect(h);
                s.getOutputStream().write(("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                busy.add(s);
            }
            ServerHarness.await(h.server.vertx().timer(300));
            try (Socket refused = connect(h)) {
                assertEquals("", readUntilClosed(refused, 10_000));
            }
            for (Socket s : busy) s.close(); // (the metrics request below needs a connection itself)
            ServerHarness.await(h.server.vertx().timer(300));
            assertTrue(h.metric("mercury_http_connections_closed_total{reason=\"over_limit\"}") >= 1);
        }
    }

    private static Socket connect(ServerHarness h) throws IOException {
        Socket s = new Socket("127.0.0.1", h.server.port());
        s.setSoTimeout(200);
        return s;
    }

    private static boolean isClosed(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Everything the server sends until it closes the connection (fails after {@code maxMs}). */
    private static String readUntilClosed(Socket s, long maxMs) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long end = System.currentTimeMillis() + maxMs;
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        while (System.currentTimeMillis() < end) {
            try {
                int n = in.read(buf);
                if (n < 0) return got.toString(StandardCharsets.UTF_8);
                got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                // keep waiting
            } catch (IOException e) {
                return got.toString(StandardCharsets.UTF_8); // reset counts as closed
            }
        }
        throw new AssertionError("still open after " + maxMs + " ms; received: " + got.toString(StandardCharsets.UTF_8));
    }

    private static String closeReasons(ServerHarness h) {
        String metrics = h.get("/metrics").bodyAsString();
        StringBuilder b = new StringBuilder("connections closed by reason:");
        for (String line : metrics.split("\n")) if (line.startsWith("mercury_http_connections_closed_total")) b.append(' ').append(line);
        return b.toString();
    }
}
