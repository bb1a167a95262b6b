package ai.mercury.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A blocking {@code POST /recommend} client for closed-loop latency benchmarks (one request in
 * flight). Two kinds: {@code jdk} ({@link HttpClient}, HTTP/1.1 keep-alive: what a Java caller
 * would use) and {@code raw} (one kept-alive socket, pre-serialized requests, Content-Length
 * framing: the least client overhead, so the figure is closest to the server's own cost).
 * Not thread-safe.
 */
abstract class ServingHttpClient implements AutoCloseable {

    /** Sends body {@code i} and returns the response body; fails unless the status is 200. */
    abstract byte[] post(int i) throws IOException, InterruptedException;

    /** {@code GET /health/live}: the HTTP round trip without the event bus, the worker or the model. */
    abstract byte[] live() throws IOException, InterruptedException;

    @Override
    public abstract void close() throws IOException;

    static ServingHttpClient create(String kind, int port, List<byte[]> bodies) throws IOException {
        return switch (kind) {
            case "jdk" -> new Jdk(port, bodies);
            case "raw" -> new Raw(port, bodies);
            default -> throw new IllegalArgumentException("client must be jdk or raw, got " + kind);
        };
    }

    static final class Jdk extends ServingHttpClient {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final HttpRequest[] requests;
        private final HttpRequest live;

        Jdk(int port, List<byte[]> bodies) {
            URI uri = URI.create("http://127.0.0.1:" + port + "/recommend");
            live = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live")).GET().build();
            requests = new HttpRequest[bodies.size()];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i))).build();
            }
        }

        @Override
        byte[] post(int i) throws IOException, InterruptedException {
            return check(client.send(requests[i], HttpResponse.BodyHandlers.ofByteArray()));
        }

        @Override
        byte[] live() throws IOException, InterruptedException {
            return check(client.send(live, HttpResponse.BodyHandlers.ofByteArray()));
        }

        private static byte[] check(HttpResponse<byte[]> r) throws IOException {
            if (r.statusCode() != 200) throw new IOException("status " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
            return r.body();
        }

        @Override
        public void close() {
            // java.net.http.HttpClient has no close() before Java 21; its threads are daemons.
        }
    }

    static final class Raw extends ServingHttpClient {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final InputStream in;
        private final byte[][] requests;
        private final byte[] live;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);

        Raw(int port, List<byte[]> bodies) throws IOException {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            live = ("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            requests = new byte[bodies.size()][];
            for (int i = 0; i < requests.length; i++) {
                byte[] head = ("POST /recommend HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\ncontent-type: application/json\r\n"
                        + "content-length: " + bodies.get(i).length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] req = new byte[head.length + bodies.get(i).length];
                System.arraycopy(head, 0, req, 0, head.length);
                System.arraycopy(bodies.get(i), 0, req, head.length, bodies.get(i).length);
                requests[i] = req;
            }
        }

        @Override
        byte[] post(int i) throws IOException {
            return exchange(requests[i]);
        }

        @Override
        byte[] live() throws IOException {
            return exchange(live);
        }

        private byte[] exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = readLine();
            int length = -1;
            for (String h = readLine(); !h.isEmpty(); h = readLine()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) length = Integer.parseInt(lower.substring(15).trim());
                else if (lower.startsWith("transfer-encoding:")) throw new IOException("unexpected " + h);
            }
            if (length < 0) throw new IOException("no content-length in the response");
            byte[] body = in.readNBytes(length);
            if (body.length != length) throw new EOFException("short body");
            if (!status.startsWith("HTTP/1.1 200")) throw new IOException(status + ": " + new String(body, StandardCharsets.UTF_8));
            return body;
        }

        private String readLine() throws IOException {
            line.reset();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) throw new EOFException("connection closed");
                if (b != '\r') line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
