package ai.mercury.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Time-to-visible of live items: {@code --writes N} sequential {@code PUT /items/{id}} of new
 * products (unique titles, so each is embedded by MiniLM and the item tower), while a poller thread
 * sends {@code /recommend} requests filtered to the pending product's unique category until the
 * product appears. Per write it records the acknowledgement latency (send → 2xx) and the
 * time-to-visible (send → the first poll response that contains the product). Meant to run beside
 * a read load ({@code scripts/bench/live-items} runs {@link LoadGenerator} at the same time).
 * Only the JDK; 127.0.0.1 only. Prints p50/p90/p99/max and appends one JSON line to {@code --out}.
 */
public final class LiveWriteProbe {
    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:18080";
        String token = System.getenv().getOrDefault("MERCURY_ADMIN_TOKEN", "");
        int writes = 300;
        double ratePerS = 20;
        Path out = null;
        String label = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--url" -> url = args[i + 1];
                case "--writes" -> writes = Integer.parseInt(args[i + 1]);
                case "--rate" -> ratePerS = Double.parseDouble(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--label" -> label = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        URI base = URI.create(url);
        if (!base.getHost().equals("127.0.0.1") && !base.getHost().equals("localhost")) throw new IllegalArgumentException("127.0.0.1 only");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        String run = Long.toString(System.currentTimeMillis(), 36);

        AtomicReference<String> pending = new AtomicReference<>();
        AtomicLong visibleAt = new AtomicLong();
        Thread poller = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                String id = pending.get();
                if (id == null || visibleAt.get() != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                try {
                    String body = "{\"k\":1,\"filters\":{\"categories\":[\"cat-" + id + "\"]}}";
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/recommend")).header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("\"" + id + "\"") && id.equals(pending.get())) visibleAt.compareAndSet(0, System.nanoTime());
                } catch (Exception e) {
                    if (Thread.currentThread().isInterrupted()) return;
                }
            }
        }, "poller");
        poller.setDaemon(true);
        poller.start();

        long[] ack = new long[writes];
        long[] visible = new long[writes];
        int errors = 0;
        long intervalNs = (long) (1e9 / ratePerS);
        long next = System.nanoTime();
        for (int i = 0; i < writes; i++) {
            while (System.nanoTime() < next) Thread.sleep(1);
            next += intervalNs;
            String id = "probe-" + run + "-" + i;
            String title = String.format(Locale.ROOT, "Hand painted ceramic %s vase number %d", i % 2 == 0 ? "blue" : "green", i);
            String body = "{\"title\":\"" + title + "\",\"price\":" + (3 + i % 17) + ",\"category\":\"cat-" + id + "\"}";
            visibleAt.set(0);
            long t0 = System.nanoTime();
            pending.set(id);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/items/" + id)).header("content-type", "application/json")
                    .header("authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (r.statusCode() / 100 != 2) {
                errors++;
                System.err.println("PUT " + id + ": " + r.statusCode() + " " + r.body());
                pending.set(null);
                continue;
            }
            long deadline = t1 + 5_000_000_000L;
            while (visibleAt.get() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            ack[i] = t1 - t0;
            visible[i] = visibleAt.get() == 0 ? Long.MAX_VALUE : visibleAt.get() - t0;
            pending.set(null);
        }
        poller.interrupt();
        String summary = String.format(Locale.ROOT,
                "{\"date\":\"%s\",\"label\":\"%s\",\"writes\":%d,\"errors\":%d,\"ack_ms\":%s,\"visible_ms\":%s}",
                Instant.now(), label, writes, errors, pcts(ack), pcts(visible));
        System.out.println(summary);
        if (out != null) Files.writeString(out, summary + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String pcts(long[] ns) {
        long[] s = Arrays.stream(ns).filter(x -> x > 0).sorted().toArray();
        if (s.length == 0) return "{}";
        return String.format(Locale.ROOT, "{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%s}",
                s[(int) (0.50 * (s.length - 1))] / 1e6, s[(int) (0.90 * (s.length - 1))] / 1e6, s[(int) (0.99 * (s.length - 1))] / 1e6,
                s[s.length - 1] == Long.MAX_VALUE ? "\"not visible within 5 s\"" : String.format(Locale.ROOT, "%.2f", s[s.length - 1] / 1e6));
    }
}
