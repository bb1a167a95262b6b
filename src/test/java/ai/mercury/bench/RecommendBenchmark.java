package ai.mercury.bench;

import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommendation.ScoredItem;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.config.MercuryConfig;
import ai.mercury.server.MercuryServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The whole {@code /recommend} path, top-100, on the default bundle's shape over a 3.7k-item
 * catalog (exact index: below {@code index.exact_below}), one request at a time (latency, not
 * capacity). Requests: a country from the vocabulary, a device, a 2011 timestamp, half of them
 * with a 3–10 item history (see {@link ServingFixture#requests}).
 *
 * <ul>
 *   <li>{@code recommendInProcess}: {@link Recommender#recommend} (features → tower → search →
 *       ranking) on the benchmark thread. Its trial teardown prints the mean of each stage, from the
 *       stage times {@link Recommendation} carries, as a line starting with {@code STAGES}.</li>
 *   <li>{@code recommendHttp}: a real {@link MercuryServer} on port 0 (default config: 2 inference
 *       workers, 1 event loop verticle), POST /recommend from the benchmark thread, closed loop. The
 *       {@code client} param picks {@code jdk} (java.net.http) or {@code raw} (a kept-alive socket);
 *       see {@link ServingHttpClient}. Its teardown prints the server's own stage timers (means over
 *       the measurement iterations only) as a {@code STAGES} line.</li>
 *   <li>{@code httpHealthLive}: GET /health/live on the same server and client: the cost of the HTTP
 *       round trip, routing and HTTP metrics with no event-bus hop, worker or model.</li>
 *   <li>{@code stage*}: the pieces alone: body decode + validation ({@code RequestParser}, on the event
 *       loop in the server), top-100 search + ranking ({@link Recommender#topK}), and response JSON
 *       ({@code ResponseWriter}).</li>
 * </ul>
 * Results in docs/bench/serving.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class RecommendBenchmark {
    static final int REQUESTS = 256; // power of two
    static final int K = ServingFixture.K;

    /** Catalog size of the synthetic catalog (3700 ≈ the Online Retail catalog). */
    @Param({"3700"})
    int n;

    /** {@code synthetic}, {@code online-retail} when ../shared/data/online-retail/online_retail.csv.gz exists, or {@code bundle:DIR}. */
    @Param({"synthetic"})
    String catalog;

    static List<byte[]> bodies(List<ServingFixture.Request> requests) {
        List<byte[]> out = new ArrayList<>(requests.size());
        for (ServingFixture.Request r : requests) out.add(r.json(K).encode().getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /** A loaded snapshot and the requests, for the in-process benchmarks. */
    @State(Scope.Benchmark)
    public static class InProcess {
        ServingFixture.Built built;
        Snapshot snapshot;
        RecommendQuery[] queries;
        Buffer[] bodies;
        float[][] userVectors;
        Recommendation[] results;
        Object parser;
        Instant now = Instant.parse("2011-12-01T12:00:00Z");
        int next;
        boolean measuring;
        long calls, encodeNanos, inferenceNanos, searchNanos;

        @Setup(Level.Trial)
        public void setUp(RecommendBenchmark p) throws Exception {
            built = ServingFixture.build(p.catalog, p.n);
            snapshot = SnapshotLoader.load(built.bundleDir(), SnapshotLoader.Options.defaults(), line -> {});
            List<ServingFixture.Request> requests = ServingFixture.requests(built, REQUESTS, 3, 10, ServingFixture.SEED + 20);
            List<byte[]> raw = bodies(requests);
            parser = ServingInternals.parser(MercuryConfig.defaults());
            queries = new RecommendQuery[REQUESTS];
            bodies = new Buffer[REQUESTS];
            userVectors = new float[REQUESTS][];
            results = new Recommendation[REQUESTS];
            for (int i = 0; i < REQUESTS; i++) {
                queries[i] = requests.get(i).query(K);
                bodies[i] = Buffer.buffer(raw.get(i));
                RecommendQuery parsed = ServingInternals.parse(parser, bodies[i], now);
                if (!parsed.user().equals(queries[i].user()) || parsed.k() != K) {
                    throw new IllegalStateException("the parsed body differs from the query: " + parsed + " vs " + queries[i]);
                }
                EncodedUser e = snapshot.encoder().encode(queries[i].user(), snapshot.catalog()::ordinalOf);
                userVectors[i] = Recommender.userVector(snapshot, e);
                results[i] = Recommender.recommend(snapshot, queries[i]);
                if (results[i].items().size() != K) throw new IllegalStateException("got " + results[i].items().size() + " items");
            }
            System.out.printf("%nSETUP catalog=%s items=%d index=%s response_bytes=%d%n", p.catalog, snapshot.catalog().size(),
                    snapshot.index().kind(), ServingInternals.write(results[1], 1.0).length());
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            measuring = params.getType() == IterationType.MEASUREMENT;
        }

        int next() {
            int i = next;
            next = (i + 1) & (REQUESTS - 1);
            return i;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (calls > 0) {
                System.out.printf("%nSTAGES in-process calls=%d mean_us encode=%.2f inference=%.2f search=%.2f%n", calls,
                        encodeNanos / 1e3 / calls, inferenceNanos / 1e3 / calls, searchNanos / 1e3 / calls);
            }
            if (snapshot != null) snapshot.retire();
            if (built != null) ServingFixture.deleteTree(built.artifactsDir());
        }
    }

    /** A real server on port 0 over the same bundle, and a client. */
    @State(Scope.Benchmark)
    public static class Http {
        static final String[] STAGE_TIMERS = {"mercury.encode", "mercury.inference", "mercury.search", "mercury.recommend"};

        /** {@code jdk}: java.net.http.HttpClient; {@code raw}: a kept-alive socket with pre-serialized requests. */
        @Param({"jdk", "raw"})
        String client;

        /** {@code inference.inline_when_idle}: true (default) or false (always hand off to the workers). */
        @Param({"true"})
        String inlineWhenIdle;

        ServingFixture.Built built;
        MercuryServer server;
        ServingHttpClient http;
        int next;
        final Map<String, long[]> before = new TreeMap<>();
        /** timer name → {count, total ns} over the measurement iterations. */
        final Map<String, long[]> measured = new TreeMap<>();
        boolean measuring;

        @Setup(Level.Trial)
        public void setUp(RecommendBenchmark p) throws Exception {
            built = ServingFixture.build(p.catalog, p.n);
            MercuryConfig config = MercuryConfig.load(null, Map.of(), Map.of("http.port", 0, "http.host", "127.0.0.1",
                    "artifacts.dir", built.artifactsDir().toString(), "inference.inline_when_idle", inlineWhenIdle,
                    "items.journal_dir", java.nio.file.Files.createTempDirectory("mercury-journal-").toString()));
            server = await(MercuryServer.start(config));
            await(server.indexManager().initialLoad());
            if (server.snapshots().peek() == null) throw new IllegalStateException("the server did not load the bundle");
            List<byte[]> bodies = bodies(ServingFixture.requests(built, REQUESTS, 3, 10, ServingFixture.SEED + 20));
            http = ServingHttpClient.create(client, server.port(), bodies);
            for (int i = 0; i < REQUESTS; i++) {
                JsonObject r = new JsonObject(Buffer.buffer(http.post(i)));
                if (r.getJsonArray("items").size() != K) throw new IllegalStateException("got " + r.encode().substring(0, 200));
            }
            http.live();
            System.out.printf("%nSETUP catalog=%s items=%d port=%d client=%s workers=%d%n", p.catalog,
                    server.snapshots().peek().catalog().size(), server.port(), client, config.workerInstances());
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            measuring = params.getType() == IterationType.MEASUREMENT;
            before.clear();
            for (Timer t : timers()) before.put(key(t), new long[] {t.count(), (long) t.totalTime(TimeUnit.NANOSECONDS)});
        }

        @TearDown(Level.Iteration)
        public void iterationDone() {
            if (!measuring) return;
            for (Timer t : timers()) {
                long[] b = before.getOrDefault(key(t), new long[2]);
                long[] m = measured.computeIfAbsent(key(t), k -> new long[2]);
                m[0] += t.count() - b[0];
                m[1] += (long) t.totalTime(TimeUnit.NANOSECONDS) - b[1];
            }
        }

        private List<Timer> timers() {
            List<Timer> out = new ArrayList<>();
            for (Meter m : server.metrics().registry().getMeters()) {
                String name = m.getId().getName();
                if (m instanceof Timer t && (name.startsWith("mercury.") || name.startsWith("vertx.http.server"))) out.add(t);
            }
            return out;
        }

        private static String key(Timer t) {
            return t.getId().getName() + t.getId().getTags();
        }

        int next() {
            int i = next;
            next = (i + 1) & (REQUESTS - 1);
            return i;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            StringBuilder line = new StringBuilder("\nSTAGES http client=" + client + " mean_us");
            measured.forEach((name, m) -> {
                if (m[0] > 0) line.append(String.format(" %s=%.2f(n=%d)", name, m[1] / 1e3 / m[0], m[0]));
            });
            System.out.println(line);
            if (http != null) http.close();
            if (server != null) server.close();
            if (built != null) ServingFixture.deleteTree(built.artifactsDir());
        }

        static <T> T await(Future<T> f) throws Exception {
            return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    public Recommendation recommendInProcess(InProcess s) {
        Recommendation r = Recommender.recommend(s.snapshot, s.queries[s.next()]);
        if (s.measuring) {
            s.calls++;
            s.encodeNanos += r.encodeNanos();
            s.inferenceNanos += r.inferenceNanos();
            s.searchNanos += r.searchNanos();
        }
        return r;
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    public byte[] recommendHttp(Http s) throws Exception {
        return s.http.post(s.next());
    }

    /** Baseline: GET /health/live over the same connection (HTTP + routing + metrics, no event bus, no worker). */
    @Benchmark
    public byte[] httpHealthLive(Http s) throws Exception {
        return s.http.live();
    }

    /** Event-loop work before the event bus: JSON decode + validation into a query. */
    @Benchmark
    public RecommendQuery stageParse(InProcess s) {
        return ServingInternals.parse(s.parser, s.bodies[s.next()], s.now);
    }

    /** Top-100 exact search + ranking on a precomputed user vector (the worker's last stage). */
    @Benchmark
    public List<ScoredItem> stageSearch(InProcess s) {
        return Recommender.topK(s.snapshot, s.userVectors[s.next()], K, Filters.NONE);
    }

    /**
     * The hybrid's top-100 on a precomputed user vector: search, candidates from co-occurrence, title
     * neighbours and popularity, blend and ranking (falls back to {@link #stageSearch}'s path when the
     * bundle has no hybrid section or -Dmercury.hybrid=false).
     */
    @Benchmark
    public List<ScoredItem> stageHybridSearch(InProcess s) {
        int i = s.next();
        return Recommender.rank(s.snapshot, s.userVectors[i], s.queries[i]);
    }

    /** Event-loop work after the worker: the 100-item response JSON. */
    @Benchmark
    public Buffer stageWrite(InProcess s) {
        return ServingInternals.write(s.results[s.next()], 1.234);
    }
}
