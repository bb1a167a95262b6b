package ai.mercury.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Holds many idle TCP connections to a running server (they connect and never send a byte) while
 * it sends normal {@code /recommend} requests at a steady pace and asks {@code /health/ready} every
 * second; prints the latency of the normal requests, failures, readiness, and how many of the idle
 * connections the server had closed by the end. Bounded in time; 127.0.0.1 only.
 *
 * <pre>
 * java -cp target/test-classes ai.mercury.bench.IdleConnectionsProbe --port 18080 --idle 19000 --hold-s 30 --rate 50
 * </pre>
 * The process needs a descriptor per idle connection: keep --idle below {@code ulimit -n}.
 */
public final class IdleConnectionsProbe {
    public static void main(String[] args) throws Exception {
        int port = 18080, idle = 1000, holdS = 30, rate = 50;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--idle" -> idle = Integer.parseInt(args[i + 1]);
                case "--hold-s" -> holdS = Math.min(600, Integer.parseInt(args[i + 1]));
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        List<SocketChannel> sockets = new ArrayList<>(idle);
        long t0 = System.nanoTime();
        int connectFailures = 0;
        for (int i = 0; i < idle; i++) {
            try {
                sockets.add(SocketChannel.open(address));
            } catch (java.io.IOException e) {
                connectFailures++;
            }
        }
        System.out.printf(Locale.ROOT, "opened %d idle connections in %.1f s (%d connects failed)%n", sockets.size(),
                (System.nanoTime() - t0) / 1e9, connectFailures);

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest recommend = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/recommend"))
                .header("content-type", "application/json").timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("{\"k\":20,\"context\":{\"country\":\"United Kingdom\",\"device\":\"mobile\"}}")).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(5)).build();
        long periodNanos = 1_000_000_000L / rate;
        long end = System.nanoTime() + holdS * 1_000_000_000L;
        long next = System.nanoTime();
        long nextReady = next;
        List<Double> latencies = new ArrayList<>();
        List<Double> service = new ArrayList<>();
        int failures = 0, readyChecks = 0, readyFailures = 0;
        String firstFailure = null;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now < next) {
                Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
                continue;
            }
            long due = next;
            next += periodNanos;
            try {
                long sent = System.nanoTime();
                HttpResponse<String> r = client.send(recommend, HttpResponse.BodyHandlers.ofString());
                latencies.add((System.nanoTime() - due) / 1e6); // from the due time: no coordinated omission
                service.add((System.nanoTime() - sent) / 1e6); // from the send: the server's answer time as a client sees it
                if (r.statusCode() != 200) {
                    failures++;
                    if (firstFailure == null) firstFailure = r.statusCode() + " " + r.body();
                }
            } catch (java.io.IOException e) {
                failures++;
                if (firstFailure == null) firstFailure = e.toString();
            }
            if (System.nanoTime() >= nextReady) {
                nextReady += 1_000_000_000L;
                readyChecks++;
                try {
                    if (client.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() != 200) readyFailures++;
                } catch (java.io.IOException e) {
                    readyFailures++;
                }
            }
        }
        int closedByServer = 0;
        ByteBuffer one = ByteBuffer.allocate(1);
        for (SocketChannel s : sockets) {
            try {
                s.configureBlocking(false);
                one.clear();
                if (s.read(one) < 0) closedByServer++;
            } catch (java.io.IOException e) {
                closedByServer++;
            }
            s.close();
        }
        double[] l = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "normal requests: %d at %d/s, failures %d%s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                l.length, rate, failures, firstFailure == null ? "" : " (first: " + firstFailure + ")", pct(l, 0.5), pct(l, 0.99),
                l.length == 0 ? Double.NaN : l[l.length - 1]);
        double[] sv = service.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  send-to-answer: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", pct(sv, 0.5), pct(sv, 0.99),
                sv.length == 0 ? Double.NaN : sv[sv.length - 1]);
        System.out.printf(Locale.ROOT, "/health/ready: %d checks, %d not 200; idle connections closed by the server by the end: %d of %d%n",
                readyChecks, readyFailures, closedByServer, sockets.size());
    }

    private static double pct(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

}
