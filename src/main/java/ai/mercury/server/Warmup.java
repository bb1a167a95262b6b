package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Warms the request path so that the first real requests meet the steady-state latency: the JIT
 * compiles the parser, encoder, tower glue, search and writer only after thousands of calls (about
 * 30 s of traffic pinned to one core, issue 15). Two forms:
 * <ul>
 *   <li>{@link #overHttp}: after start, before {@code /health/ready} answers ready, the server sends
 *       itself at least {@code warmup.http_seconds} (and, while the JIT is still compiling, up to
 *       {@code warmup.http_max_seconds}) of representative {@code /recommend} requests on 127.0.0.1,
 *       through the whole path (HTTP parsing, routing, dispatch, workers, writer).</li>
 *   <li>{@link #inProcess}: after a bundle is validated and before it is published, the bundle thread
 *       runs {@code warmup.swap_seconds} of the same requests on the new snapshot through
 *       {@link RequestParser}, {@link Recommender} and {@link ResponseWriter} (its ONNX sessions are new;
 *       the HTTP code is already warm from start-up).</li>
 * </ul>
 * The bodies are drawn from the snapshot itself: every context field's vocabulary, catalog items as
 * history and excludes, k from 10 to 100, with a fixed seed.
 */
final class Warmup {
    private static final System.Logger LOG = System.getLogger(Warmup.class.getName());
    private static final int[] KS = {10, 20, 20, 50, 100};
    /** Concurrent self-requests: enough to exercise the hand-off to the workers, not to flood them. */
    private static final int LANES = 4;
    /** Below this many milliseconds of JIT compilation per second of warm-up, the hot path is compiled. */
    static final long JIT_QUIET_MS_PER_S = 50;

    private Warmup() {}

    /** {@code n} representative {@code /recommend} bodies for {@code s}. */
    static List<JsonObject> bodies(Snapshot s, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<CatalogItem> items = new ArrayList<>();
        for (int o = 0; o < s.catalog().ordinalLimit() && items.size() < 10_000; o++) {
            CatalogItem item = s.catalog().item(o);
            if (item != null) items.add(item);
        }
        List<JsonObject> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            JsonObject context = new JsonObject();
            for (ContextField f : s.encoder().spec().context()) {
                if (!f.vocabulary().isEmpty() && random.nextInt(4) > 0) context.put(f.name(), f.vocabulary().get(random.nextInt(f.vocabulary().size())));
            }
            JsonObject body = new JsonObject().put("k", KS[random.nextInt(KS.length)]).put("context", context);
            if (!items.isEmpty() && random.nextBoolean()) {
                JsonArray history = new JsonArray();
                for (int h = 1 + random.nextInt(10); h > 0; h--) history.add(items.get(random.nextInt(items.size())).itemId());
                body.put("history", history);
                if (random.nextInt(4) == 0) body.put("filters", new JsonObject().put("exclude", new JsonArray().add(history.getString(0))));
            }
            bodies.add(body);
        }
        return bodies;
    }

    /** Runs the request path on {@code s} for {@code seconds}, in this thread; returns the requests run. */
    static int inProcess(MercuryConfig config, Snapshot s, int seconds) {
        if (seconds <= 0) return 0;
        RequestParser parser = new RequestParser(config);
        List<JsonObject> bodies = bodies(s, 256, 15);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int n = 0;
        try {
            while (System.nanoTime() < end) {
                JsonObject body = bodies.get(n++ % bodies.size());
                long t0 = System.nanoTime();
                Recommendation r = Recommender.recommend(s, parser.parse(body, Instant.now()));
                ResponseWriter.assemble(r.modelVersion(), (System.nanoTime() - t0) / 1e6, ResponseWriter.answer(r));
            }
        } catch (RuntimeException e) {
            // validation has passed: a failure here is a request the bundle cannot answer, which serving reports on its own
            LOG.log(System.Logger.Level.WARNING, s.version() + ": warm-up stopped after " + n + " requests: " + e);
        }
        LOG.log(System.Logger.Level.INFO, s.version() + ": warmed with " + n + " in-process requests in " + seconds + " s before publishing");
        return n;
    }

    /**
     * Sends the server at least {@code minSeconds} of requests on 127.0.0.1:{@code port}, then goes on
     * while the JIT is still busy (more than {@link #JIT_QUIET_MS_PER_S} ms of compilation in the last
     * second), up to {@code maxSeconds}; completes with the count (never fails). On one core, 5 s of
     * traffic left the compiler queue full: the first seconds after ready ran at a fraction of the
     * steady rate (docs/bench/warmup.md). A fixed longer time would be too short on a slow host and
     * too long on a fast one; the compiler's own activity says when the hot code is compiled.
     */
    static Future<Integer> overHttp(Vertx vertx, int port, Snapshot s, int minSeconds, int maxSeconds) {
        if (minSeconds <= 0 || s == null) return Future.succeededFuture(0);
        List<Buffer> bodies = bodies(s, 256, 7).stream().map(JsonObject::toBuffer).toList();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
        long start = System.nanoTime();
        long minEnd = start + TimeUnit.SECONDS.toNanos(minSeconds);
        long[] end = {start + TimeUnit.SECONDS.toNanos(Math.max(minSeconds, maxSeconds))};
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        boolean adaptive = jitTimed && maxSeconds > minSeconds; // else a fixed minSeconds: no need to watch the JIT
        if (!adaptive) end[0] = minEnd;
        long[] lastJitMs = {adaptive ? jit.getTotalCompilationTime() : 0};
        String[] why = {adaptive ? "the longest warm-up (warmup.http_max_seconds) passed"
                : jitTimed ? "warmup.http_seconds passed (warmup.http_max_seconds is not above it)" : "no JIT timing on this JVM"};
        long timer = !adaptive ? -1 : vertx.setPeriodic(1000, id -> {
            long jitMs = jit.getTotalCompilationTime();
            long compiledLastSecond = jitMs - lastJitMs[0];
            lastJitMs[0] = jitMs;
            if (System.nanoTime() >= minEnd && compiledLastSecond < JIT_QUIET_MS_PER_S) {
                why[0] = "the JIT is quiet (" + compiledLastSecond + " ms of compilation in the last second)";
                end[0] = System.nanoTime();
            }
        });
        int[] sent = {0};
        int[] failed = {0};
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < LANES; lane++) {
            Promise<Void> done = Promise.promise();
            next(client, bodies, end, sent, failed, done);
            lanes.add(done.future());
        }
        return Future.join(lanes).eventually(() -> {
            if (timer >= 0) vertx.cancelTimer(timer);
            return client.close();
        }).transform(ignored -> {
            LOG.log(System.Logger.Level.INFO, String.format(java.util.Locale.ROOT, "warmed with %d requests over HTTP in %.1f s: %s%s",
                    sent[0], (System.nanoTime() - start) / 1e9, why[0], failed[0] == 0 ? "" : " (" + failed[0] + " not answered 200)"));
            return Future.succeededFuture(sent[0]);
        });
    }

    private static void next(HttpClient client, List<Buffer> bodies, long[] end, int[] sent, int[] failed, Promise<Void> done) {
        if (System.nanoTime() >= end[0]) {
            done.complete();
            return;
        }
        Buffer body = bodies.get(sent[0]++ % bodies.size());
        client.request(HttpMethod.POST, "/recommend")
                .compose(req -> req.putHeader("content-type", "application/json").send(body))
                .compose(resp -> {
                    if (resp.statusCode() != 200) failed[0]++;
                    return resp.body();
                })
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failed[0]++;
                        if (failed[0] > 100) { // the server is not answering: stop rather than spin
                            done.complete();
                            return;
                        }
                    }
                    next(client, bodies, end, sent, failed, done);
                });
    }
}
