package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM against the jar: a request whose body is still arriving when the signal comes is
 * answered in full; a client that never finishes its request does not hold the exit beyond
 * {@code http.shutdown_grace_ms}; the JVM exits 143 after closing the journal, and the next start
 * finds every acknowledged write and no torn tail.
 */
class GracefulShutdownIT {
    private static final String TOKEN = "shutdown-test-token";
    private static final long GRACE_MS = 3000;

    @Test
    void sigtermDrainsInFlightRequestsAndClosesTheJournalWithinTheGrace(@TempDir Path artifacts, @TempDir Path journal, @TempDir Path logs) throws Exception {
        FixtureBundle.copyTo(artifacts);
        String body = new JsonObject().put("k", 3).put("context", new JsonObject().put("country", "France")).encode();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int half = bytes.length / 2;
        ServerProcess server = ServerProcess.start(artifacts, journal, TOKEN, logs, "http.shutdown_grace_ms=" + GRACE_MS).awaitReady(Duration.ofSeconds(90));
        try (Socket inFlight = new Socket("127.0.0.1", server.port); Socket stalled = new Socket("127.0.0.1", server.port)) {
            for (int i = 0; i < 20; i++) {
                assertEquals(201, server.send("PUT", "/items/KEEP-" + i, TOKEN,
                        new JsonObject().put("title", "Kept product " + i + " hand made").put("price", 2.5).encode()).statusCode());
            }
            inFlight.setSoTimeout(20_000);
            OutputStream out = inFlight.getOutputStream();
            String head = "POST /recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(bytes, 0, half);
            out.flush();
            stalled.getOutputStream().write("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".getBytes(StandardCharsets.US_ASCII));
            stalled.getOutputStream().flush();
            Thread.sleep(300); // both requests are in the server's hands

            long t0 = System.nanoTime();
            Thread terminator = new Thread(() -> {
                try {
                    int code = server.terminate(Duration.ofMillis(GRACE_MS + 15_000));
                    exitCode[0] = code;
                } catch (Exception e) {
                    exitCode[0] = -1;
                }
            });
            terminator.start();
            Thread.sleep(500); // SIGTERM delivered, the server is draining
            out.write(bytes, half, bytes.length - half);
            out.flush();
            String response = readResponse(inFlight.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            JsonObject answer = new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertEquals(3, answer.getJsonArray("items").size(), response);

            terminator.join(GRACE_MS + 20_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(143, exitCode[0], "exit code after SIGTERM (128 + 15)\n" + Files.readString(server.log));
            assertTrue(seconds < GRACE_MS / 1000.0 + 10, "exit took " + seconds + " s with a stalled client; the grace is " + GRACE_MS + " ms");
            String log = Files.readString(server.log);
            assertTrue(log.contains("journal closed"), log);
            assertFalse(log.contains("SEVERE"), log);
        }
        try (ServerProcess again = ServerProcess.start(artifacts, journal, TOKEN, logs).awaitReady(Duration.ofSeconds(90))) {
            for (int i = 0; i < 20; i++) assertEquals(200, again.get("/items/KEEP-" + i).statusCode(), "KEEP-" + i);
            assertFalse(Files.readString(again.log).contains("torn tail"), "a clean stop leaves no torn journal tail");
        }
    }

    private final int[] exitCode = {Integer.MIN_VALUE};

    /** One HTTP/1.1 response with a Content-Length body. */
    private static String readResponse(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int contentLength = -1;
        while (true) {
            int b = in.read();
            if (b < 0) break;
            buf.write(b);
            String s = buf.toString(StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0) {
                if (contentLength < 0) {
                    for (String line : s.substring(0, end).split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) contentLength = Integer.parseInt(line.substring(15).trim());
                    }
                    if (contentLength < 0) contentLength = 0;
                }
                if (buf.size() >= end + 4 + contentLength) break;
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
