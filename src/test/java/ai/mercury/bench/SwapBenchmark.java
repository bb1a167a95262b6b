package ai.mercury.bench;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.index.IndexParams;
import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.config.MercuryConfig;
import ai.mercury.server.MercuryServer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Hot-swap benchmark, a plain {@code main} (it measures process-level events, not a method):
 *
 * <p>{@code latency}: a real {@link MercuryServer} (default configuration, port 0 on 127.0.0.1)
 * serving a copy of the committed default bundle, under an open-model constant-rate load of
 * {@code /recommend} requests from a Vert.x client in the same JVM. Request {@code i} is due at
 * {@code start + i / rate} and its latency is measured from that intended time to the response
 * (so a stall counts for every request it delays: no coordinated omission). Bundles (the default
 * bundle re-versioned, staged in advance, renamed into place) are dropped at fixed times in the
 * second half. Reports p50/p99/p99.9 of the steady window, of each window around a swap (from the
 * drop until one second after the first response from the new version) and their ratio.
 * With {@code drops=large-with} or {@code drops=large-without} a single 100k-item bundle
 * ({@link DropToServing#content}, with or without {@code index.hnsw}) is dropped at 15 s instead.
 *
 * <p>{@code drop}: see {@link DropToServing}.
 *
 * <pre>
 * mvn -q -B -o test-compile
 * mvn -q -B -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) \
 *   ai.mercury.bench.SwapBenchmark latency [rate=400] [seconds=36] [drops=default|large-with|large-without] [out=FILE.json]
 *   ai.mercury.bench.SwapBenchmark drop [items=100000] [reps=3] [out=FILE.json]
 * </pre>
 */
public final class SwapBenchmark {
    static final Path DEFAULT_ARTIFACTS = Path.of("artifacts");
    static final int K = 20;
    static final long WARMUP_S = 5;

    private SwapBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            opts.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        String mode = args.length == 0 ? "latency" : args[0];
        ObjectNode result = switch (mode) {
            case "latency" -> latency(Integer.parseInt(opts.getOrDefault("rate", "400")),
                    Integer.parseInt(opts.getOrDefault("seconds", "36")), opts.getOrDefault("drops", "default"));
            case "drop" -> DropToServing.run(Integer.parseInt(opts.getOrDefault("items", "100000")),
                    Integer.parseInt(opts.getOrDefault("reps", "3")));
            default -> throw new IllegalArgumentException("mode must be latency or drop, got " + mode);
        };
        result.put("loadavg_end", Files.readString(Path.of("/proc/loadavg")).trim());
        String json = Json.MAPPER.writeValueAsString(result);
        System.out.println(json);
        if (opts.containsKey("out")) Files.writeString(Path.of(opts.get("out")), json + "\n");
        System.exit(0);
    }

    /**
     * The committed default bundle: the newest directory under artifacts/ whose manifest git
     * tracks (a trainer may publish untracked bundles next to it), or {@code -Dbench.bundle=DIR}.
     */
    static Path defaultBundle() throws IOException {
        String forced = System.getProperty("bench.bundle");
        if (forced != null) return Path.of(forced);
        java.util.Set<String> tracked = new java.util.HashSet<>();
        try {
            Process git = new ProcessBuilder("git", "ls-files", "--", DEFAULT_ARTIFACTS.toString()).redirectErrorStream(true).start();
            for (String line : new String(git.getInputStream().readAllBytes()).split("\n")) {
                if (line.endsWith("/" + Manifest.FILE_NAME)) tracked.add(Path.of(line).getParent().getFileName().toString());
            }
            git.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println("git ls-files failed (" + e + "): taking the newest bundle under " + DEFAULT_ARTIFACTS);
        }
        try (Stream<Path> s = Files.list(DEFAULT_ARTIFACTS)) {
            return s.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))
                    .filter(p -> tracked.isEmpty() || tracked.contains(p.getFileName().toString()))
                    .max(Path::compareTo).orElseThrow(() -> new IllegalStateException("no bundle under artifacts/"));
        }
    }

    /** A copy of {@code bundle} as {@code artifacts/.tmp-<version>/} with the manifest's version rewritten; rename with {@link #drop}. */
    static Path stage(Path bundle, Path artifacts, String version) throws IOException {
        Path tmp = artifacts.resolve(".tmp-" + version);
        Files.createDirectories(tmp);
        try (Stream<Path> files = Files.list(bundle)) {
            for (Path f : files.toList()) Files.copy(f, tmp.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectNode m = (ObjectNode) Json.MAPPER.readTree(tmp.resolve(Manifest.FILE_NAME).toFile());
        m.put("version", version);
        Files.write(tmp.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(m));
        return tmp;
    }

    static void drop(Path staged) {
        String name = staged.getFileName().toString();
        try {
            Files.move(staged, staged.resolveSibling(name.substring(".tmp-".length())), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MercuryServer startServer(Path artifacts) throws Exception {
        MercuryConfig config = MercuryConfig.load(null, Map.of(),
                Map.of("http.port", 0, "http.host", "127.0.0.1", "artifacts.dir", artifacts.toString(),
                        "items.journal_dir", java.nio.file.Files.createTempDirectory("mercury-journal-").toString()));
        MercuryServer server = MercuryServer.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        server.indexManager().initialLoad().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        if (server.snapshots().peek() == null) throw new IllegalStateException("the server did not load the start-up bundle");
        return server;
    }

    static ObjectNode latency(int rate, int seconds, String drops) throws Exception {
        Path bundle = defaultBundle();
        Path artifacts = Files.createTempDirectory("mercury-swap-bench-");
        Path large = null;
        if (drops.startsWith("large-")) {
            Path staging = Files.createTempDirectory("mercury-swap-bench-large-");
            BundleWriter.Content c = DropToServing.content(BundleReader.read(bundle), 100_000, "20990101T000001Z");
            large = drops.equals("large-with") ? BundleWriter.publish(staging, c, IndexParams.DEFAULTS) : BundleWriter.publish(staging, c);
        } else if (!drops.equals("default")) {
            throw new IllegalArgumentException("drops must be default, large-with or large-without, got " + drops);
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("mode", "latency").put("drops", drops).put("rate", rate).put("seconds", seconds)
                .put("bundle", bundle.getFileName().toString()).put("loadavg_start", Files.readString(Path.of("/proc/loadavg")).trim());
        Files.createDirectories(artifacts);
        Path active = Files.move(stage(bundle, artifacts, bundle.getFileName().toString()), artifacts.resolve(bundle.getFileName()));
        MercuryServer server = startServer(artifacts);
        Vertx clientVertx = Vertx.vertx();
        try {
            Bundle b = BundleReader.read(active);
            List<String> countries = b.manifest().featureSpec().context().get(0).vocabulary();
            ServingFixture.Built built = new ServingFixture.Built(artifacts, active, b.items(), countries);
            List<Buffer> bodies = new ArrayList<>();
            for (ServingFixture.Request r : ServingFixture.requests(built, 1024, 3, 10, ServingFixture.SEED)) bodies.add(r.json(K).toBuffer());

            // Drops: every 8 s in the second half, staged (copied) before the run so only the rename happens during it.
            List<Long> dropAtS = new ArrayList<>();
            if (large == null) {
                for (long t = seconds / 2 - 3; t < seconds - 4; t += 8) dropAtS.add(t);
            } else {
                dropAtS.add(15L);
            }
            List<Path> staged = new ArrayList<>();
            for (int i = 0; i < dropAtS.size(); i++) {
                staged.add(stage(large != null ? large : bundle, artifacts, String.format("20991231T0000%02dZ", i + 1)));
            }

            int total = rate * seconds;
            long period = 1_000_000_000L / rate;
            long[] latency = new long[total];
            Arrays.fill(latency, -1);
            String[] version = new String[total];
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            Map<String, Long> firstSeen = new ConcurrentHashMap<>();
            WebClient client = WebClient.create(clientVertx, new WebClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(64));
            long[] dropNanos = new long[dropAtS.size()];
            Thread dropper = new Thread(() -> {
                for (int i = 0; i < dropAtS.size(); i++) {
                    LockSupport.parkNanos(Math.max(0, dropAtS.get(i) * 1_000_000_000L - (System.nanoTime() - START[0])));
                    dropNanos[i] = System.nanoTime() - START[0];
                    drop(staged.get(i));
                }
            }, "bench-dropper");
            int port = server.port();
            START[0] = System.nanoTime() + 200_000_000L;
            long start = START[0];
            dropper.start();
            for (int i = 0; i < total; i++) {
                long due = start + i * period;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                final int idx = i;
                client.post(port, "127.0.0.1", "/recommend").putHeader("content-type", "application/json")
                        .timeout(10_000).sendBuffer(bodies.get(i % bodies.size())).onComplete(ar -> {
                            long now = System.nanoTime();
                            latency[idx] = now - due;
                            if (ar.failed() || ar.result().statusCode() != 200) {
                                failures.incrementAndGet();
                            } else {
                                String v = ar.result().bodyAsJsonObject().getString("model_version");
                                version[idx] = v;
                                firstSeen.putIfAbsent(v, now - start);
                            }
                            done.incrementAndGet();
                        });
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (done.get() < total && System.nanoTime() < deadline) Thread.sleep(10);
            dropper.join();
            client.close();

            out.put("requests", total).put("completed", done.get()).put("failures", failures.get());
            long steadyFrom = WARMUP_S * 1_000_000_000L;
            long steadyTo = dropNanos[0];
            ObjectNode windows = out.putObject("windows");
            windows.set("steady", window(latency, period, steadyFrom, steadyTo));
            List<long[]> swapSpans = new ArrayList<>();
            for (int i = 0; i < dropNanos.length; i++) {
                String v = String.format("20991231T0000%02dZ", i + 1);
                Long seen = firstSeen.get(v);
                long to = seen == null ? (long) total * period : seen + 1_000_000_000L;
                swapSpans.add(new long[] {dropNanos[i], to});
                ObjectNode w = window(latency, period, dropNanos[i], to);
                w.put("drop_at_s", dropNanos[i] / 1e9).put("drop_to_first_response_ms", seen == null ? -1 : (seen - dropNanos[i]) / 1_000_000);
                windows.set("swap" + (i + 1) + " " + v, w);
            }
            windows.set("all swap windows", windows(latency, period, swapSpans));
            // Tight windows: 250 ms either side of the first response from the new version (the swap
            // work itself; the drop windows above also hold the idle swap.settle_ms wait).
            List<long[]> tight = new ArrayList<>();
            for (int i = 0; i < dropNanos.length; i++) {
                Long seen = firstSeen.get(String.format("20991231T0000%02dZ", i + 1));
                if (seen != null) tight.add(new long[] {seen - 250_000_000L, seen + 250_000_000L});
            }
            windows.set("all tight swap windows", windows(latency, period, tight));
            List<long[]> rest = new ArrayList<>();
            long from = steadyFrom;
            for (long[] s : swapSpans) {
                rest.add(new long[] {from, s[0]});
                from = s[1];
            }
            rest.add(new long[] {from, (long) total * period});
            windows.set("all outside swap windows", windows(latency, period, rest));
            double steadyP99 = windows.get("steady").get("p99_ms").asDouble();
            double swapP99 = windows.get("all swap windows").get("p99_ms").asDouble();
            out.put("ratio_p99_swap_vs_steady", swapP99 / steadyP99);
            out.put("ratio_p99_tight_swap_vs_steady", windows.get("all tight swap windows").get("p99_ms").asDouble() / steadyP99);
            out.put("ratio_p50_swap_vs_steady", windows.get("all swap windows").get("p50_ms").asDouble()
                    / windows.get("steady").get("p50_ms").asDouble());
            ObjectNode per = out.putObject("ratio_p99_per_swap");
            windows.fieldNames().forEachRemaining(n -> {
                if (n.startsWith("swap")) per.put(n, windows.get(n).get("p99_ms").asDouble() / steadyP99);
            });
            Map<String, Integer> versions = new java.util.TreeMap<>();
            for (String v : version) if (v != null) versions.merge(v, 1, Integer::sum);
            out.putPOJO("responses_per_version", versions);
        } finally {
            clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            server.close();
            ServingFixture.deleteTree(artifacts);
            if (large != null) ServingFixture.deleteTree(large.getParent());
        }
        return out;
    }

    private static final long[] START = new long[1];

    /** Percentiles of the requests due in [from, to) (nanoseconds since the start). */
    static ObjectNode window(long[] latency, long period, long from, long to) {
        return windows(latency, period, List.of(new long[] {from, to}));
    }

    static ObjectNode windows(long[] latency, long period, List<long[]> spans) {
        long[] xs = new long[latency.length];
        int n = 0;
        int missing = 0;
        for (long[] s : spans) {
            int a = (int) Math.max(0, (s[0] + period - 1) / period);
            int b = (int) Math.min(latency.length, (s[1] + period - 1) / period);
            for (int i = a; i < b; i++) {
                if (latency[i] < 0) missing++;
                else xs[n++] = latency[i];
            }
        }
        long[] sorted = Arrays.copyOf(xs, n);
        Arrays.sort(sorted);
        ObjectNode w = Json.MAPPER.createObjectNode();
        double seconds = 0;
        for (long[] s : spans) seconds += (s[1] - s[0]) / 1e9;
        w.put("seconds", Math.round(seconds * 100) / 100.0).put("requests", n).put("unanswered", missing);
        w.put("p50_ms", pct(sorted, 0.50)).put("p99_ms", pct(sorted, 0.99)).put("p999_ms", pct(sorted, 0.999))
                .put("max_ms", n == 0 ? Double.NaN : sorted[n - 1] / 1e6);
        return w;
    }

    /** Nearest-rank percentile in milliseconds. */
    static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(q * sorted.length);
        return Math.round(sorted[Math.max(0, rank - 1)] / 1e3) / 1e3;
    }
}
