package ai.mercury.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw HTTP/1.x over a socket, for what a well-behaved client library will not send: broken request
 * lines, odd headers, bad bodies, HTTP/1.0, pipelining. Reads until the server closes or the
 * deadline passes, and splits what came back into responses (status line, headers, body by
 * Content-Length or chunked).
 */
final class RawHttp {
    /** One parsed response. */
    record Response(int status, String head, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }
    }

    /** What one exchange gave: the responses read, whether the server closed, and whether it hung past the deadline. */
    record Exchange(List<Response> responses, boolean closed, boolean timedOut, byte[] raw) {}

    private RawHttp() {}

    /**
     * Sends {@code request} and reads until {@code expected} responses were read and the connection
     * closed or went quiet, or {@code deadlineMs} passed (then {@code timedOut} is true when fewer
     * than {@code expected} complete responses came and the server did not close).
     */
    static Exchange exchange(int port, byte[] request, int expected, long deadlineMs) throws IOException {
        return exchange(port, request, expected, deadlineMs, false);
    }

    static Exchange exchange(int port, byte[] request, int expected, long deadlineMs, boolean halfClose) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) deadlineMs);
            socket.setSoTimeout(20);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) socket.shutdownOutput(); // the request is incomplete by design: the server sees the end of the stream
            } catch (IOException e) {
                // the server may close before reading all of it (e.g. after a 4xx for a bad head): read what it answered
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long end = System.nanoTime() + deadlineMs * 1_000_000L;
            byte[] buf = new byte[8192];
            boolean closed = false;
            while (System.nanoTime() < end) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    if (finals(parse(got.toByteArray())) >= expected) break;
                    continue;
                } catch (IOException e) { // reset by the server: closed
                    closed = true;
                    break;
                }
                if (n < 0) {
                    closed = true;
                    break;
                }
                got.write(buf, 0, n);
                if (finals(parse(got.toByteArray())) >= expected) break;
            }
            List<Response> responses = parse(got.toByteArray());
            boolean timedOut = !closed && finals(responses) < expected;
            return new Exchange(responses, closed, timedOut, got.toByteArray());
        }
    }

    /** The responses that are not interim (1xx, e.g. 100 Continue). */
    static int finals(List<Response> responses) {
        int n = 0;
        for (Response r : responses) if (r.status() >= 200) n++;
        return n;
    }

    static Exchange exchange(int port, String request, int expected, long deadlineMs) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), expected, deadlineMs);
    }

    /** The complete responses in {@code raw}; a truncated last one is left out. */
    static List<Response> parse(byte[] raw) {
        List<Response> out = new ArrayList<>();
        try {
            parseInto(raw, out);
        } catch (RuntimeException e) {
            // a response we cannot read: keep the ones before it
        }
        return out;
    }

    private static void parseInto(byte[] raw, List<Response> out) {
        int pos = 0;
        while (pos < raw.length) {
            int headEnd = indexOf(raw, pos, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (headEnd < 0) break;
            String head = new String(raw, pos, headEnd - pos, StandardCharsets.ISO_8859_1);
            int status;
            try {
                status = Integer.parseInt(head.substring(9, 12));
            } catch (RuntimeException e) {
                break;
            }
            Response probe = new Response(status, head, new byte[0]);
            int bodyStart = headEnd + 4;
            String length = probe.header("content-length");
            String chunked = probe.header("transfer-encoding");
            if (length != null) {
                int len = Integer.parseInt(length);
                if (bodyStart + len > raw.length) break;
                out.add(new Response(status, head, java.util.Arrays.copyOfRange(raw, bodyStart, bodyStart + len)));
                pos = bodyStart + len;
            } else if (chunked != null && chunked.equalsIgnoreCase("chunked")) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int p = bodyStart;
                boolean done = false;
                while (p < raw.length) {
                    int lineEnd = indexOf(raw, p, "\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (lineEnd < 0) break;
                    int size = Integer.parseInt(new String(raw, p, lineEnd - p, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
                    p = lineEnd + 2;
                    if (size == 0) {
                        int trailerEnd = indexOf(raw, p, "\r\n".getBytes(StandardCharsets.US_ASCII));
                        if (trailerEnd < 0) break;
                        p = trailerEnd + 2;
                        done = true;
                        break;
                    }
                    if (p + size + 2 > raw.length) break;
                    body.write(raw, p, size);
                    p += size + 2;
                }
                if (!done) break;
                out.add(new Response(status, head, body.toByteArray()));
                pos = p;
            } else if (status == 204 || status == 304 || status / 100 == 1) {
                out.add(new Response(status, head, new byte[0]));
                pos = bodyStart;
            } else { // body until close
                out.add(new Response(status, head, java.util.Arrays.copyOfRange(raw, bodyStart, raw.length)));
                pos = raw.length;
            }
        }
    }

    private static int indexOf(byte[] a, int from, byte[] needle) {
        outer:
        for (int i = from; i <= a.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (a[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
