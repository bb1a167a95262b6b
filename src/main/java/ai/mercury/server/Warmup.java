package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Warms the request path so that the first real requests meet the steady-state latency: the JIT
 * compiles the parser, encoder, tower glue, search and writer only after thousands of calls (about
 * 30 s of traffic pinned to one core, issue 15). Two forms:
 * <ul>
 *   <li>{@link #overHttp}: after start, before {@code /health/ready} answers ready, the server sends
 *       itself at least {@code warmup.http_seconds} (and, while the JIT is still compiling, up to
 *       {@code warmup.http_max_seconds}) of representative {@code /recommend} requests on 127.0.0.1,
 *       through the whole path (HTTP parsing, routing, dispatch, workers, writer), and each second
 *       opens {@link #BURST} connections at once, as a load tester does ({@link #connectionBurst}).</li>
 *   <li>{@link #inProcess}: after a bundle is validated and before it is published, the bundle thread
 *       runs {@code warmup.swap_seconds} of the same requests on the new snapshot through
 *       {@link RequestParser}, {@link Recommender} and {@link ResponseWriter} (its ONNX sessions are new;
 *       the HTTP code is already warm from start-up).</li>
 * </ul>
 * The bodies are drawn from the snapshot itself, with a fixed seed, in the shape of real traffic
 * (k6/data/requests.json): every context field's vocabulary, a timestamp on most requests, k = 100
 * on most, histories of 0, 1 or up to 50 catalog items (some of products without baskets yet, some
 * with an id the bundle does not know), some excludes. A warm-up of easier requests
 * (k 10 to 100, no timestamps, 10 items at most) left the timestamp parser and the long-history and
 * k = 100 branches cold, and the first real seconds ran at twice the steady CPU per request.
 */
final class Warmup {
    private static final System.Logger LOG = System.getLogger(Warmup.class.getName());
    private static final int[] KS = {10, 20, 50, 100, 100, 100, 100, 100};
    /** Concurrent self-requests: enough to exercise the hand-off to the workers and their queue, not to flood them. */
    private static final int LANES = 16;
    /**
     * Distinct bodies the HTTP warm-up cycles through: enough that shapes real traffic sends 1 time in
     * a few hundred come up (256 left some out).
     */
    static final int HTTP_BODIES = 1024;
    /**
     * Requests a warm-up lane sends on one connection before it opens the next. Keep-alive lanes
     * alone opened too few connections for the JIT: the channel set-up code (Netty's
     * {@code AbstractUnsafe.register}, 45 ms of C2 on the one core) stayed at C1 and was compiled when
     * the first load tester's 32 connections arrived after ready (docs/bench/warmup.md, run 13).
     */
    static final int REQUESTS_PER_CONNECTION = 16;
    /** Connections a {@link #connectionBurst} opens at once: twice Netty's messages per accept read, as many as a load tester's. */
    static final int BURST = 32;
    /** Failed requests after which the warm-up gives up (the server is not answering). */
    private static final int MAX_FAILURES = 100;
    /** Below this many milliseconds of JIT compilation per second of warm-up, the hot path is compiled. */
    static final long JIT_QUIET_MS_PER_S = 50;
    private static final long YEAR_S = 365L * 86_400;
    /** The start of the ids the warm-up puts in histories as items the bundle does not know. */
    static final String UNKNOWN_ITEM_PREFIX = "warmup-unknown-";

    private Warmup() {}

    /**
     * {@code n} representative {@code /recommend} bodies for {@code s}, within the configured limits
     * (a shop's lower {@code limits.max_k} or {@code limits.max_history} would otherwise turn the
     * warm-up into a run of 400s).
     */
    static List<JsonObject> bodies(MercuryConfig config, Snapshot s, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> ordinals = new ArrayList<>(); // of items present, for random history items
        List<Integer> cold = new ArrayList<>(); // of those without co-occurrence counts: no baskets yet
        for (int o = 0; o < s.catalog().ordinalLimit() && ordinals.size() < 10_000; o++) {
            if (s.catalog().item(o) == null) continue;
            ordinals.add(o);
            if (s.cooccurrenceNeighbour(o, 0) < 0) cold.add(o);
        }
        long now = Instant.now().getEpochSecond();
        List<JsonObject> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            JsonObject context = new JsonObject();
            for (ContextField f : s.encoder().spec().context()) {
                if (!f.vocabulary().isEmpty() && random.nextInt(4) > 0) context.put(f.name(), f.vocabulary().get(random.nextInt(f.vocabulary().size())));
            }
            if (random.nextInt(8) > 0) context.put("timestamp", timestamp(now - random.nextLong(YEAR_S), random));
            // k first or last: a number followed by '}' (the README's and k6's order) took a branch of
            // Jackson's number reader that "k" first never did, and the first real request deoptimised
            // the compiled field reader (docs/bench/warmup.md, run 12)
            int k = Math.min(KS[random.nextInt(KS.length)], config.maxK());
            boolean kLast = random.nextBoolean();
            JsonObject body = kLast ? new JsonObject() : new JsonObject().put("k", k);
            body.put("context", context);
            int kind = random.nextInt(10); // 4 in 10 context only, 3 one item, 3 a longer history, as in the load tests' realistic mix
            if (!ordinals.isEmpty() && kind >= 4) {
                List<String> history = new ArrayList<>();
                List<Integer> picked = new ArrayList<>();
                // 1 in 8 one-item histories is a product without baskets yet, the cold start Mercury is
                // for: the ranker's merge then has no co-occurrence candidate, a branch that the 1 such
                // body in the load tests' 1,000 took in the first second after ready (warmup.md, run 13)
                boolean coldOnly = kind < 7 && !cold.isEmpty() && random.nextInt(8) == 0;
                for (int h = Math.min(kind < 7 ? 1 : 2 + random.nextInt(49), config.maxHistory()); h > 0; h--) {
                    int o = coldOnly ? cold.get(random.nextInt(cold.size())) : basketMate(s, picked, random);
                    if (o < 0) o = ordinals.get(random.nextInt(ordinals.size()));
                    picked.add(o);
                    history.add(s.catalog().item(o).itemId());
                }
                // 1 in 16 holds an id the bundle does not know (a product listed since, a stale page):
                // answered in unknown_history
                if (random.nextInt(16) == 0 && history.size() < config.maxHistory()) {
                    history.add(random.nextInt(history.size() + 1), UNKNOWN_ITEM_PREFIX + random.nextInt(1_000_000));
                }
                body.put("history", new JsonArray(history));
                if (random.nextInt(4) == 0) body.put("filters", new JsonObject().put("exclude", new JsonArray().add(history.get(0))));
            }
            if (random.nextInt(16) == 0) { // a price range, as the README shows: fractional numbers
                JsonObject filters = body.getJsonObject("filters", new JsonObject());
                body.put("filters", filters.put("price_min", 0.5 + random.nextInt(4)).put("price_max", 10.0 + random.nextInt(200) / 4.0));
            }
            if (kLast) body.put("k", k);
            bodies.add(body);
        }
        return bodies;
    }

    /**
     * {@code epochSecond} as clients write it: {@code Instant.toString()} (Java), {@code toISOString()}'s
     * milliseconds (JavaScript), an RFC 3339 offset, or no offset at all.
     */
    static String timestamp(long epochSecond, SplittableRandom random) {
        Instant t = Instant.ofEpochSecond(epochSecond);
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> t.toString();
            case 3, 4, 5 -> t.plusMillis(1 + random.nextInt(999)).toString();
            case 6 -> t.atOffset(ZoneOffset.ofHours(random.nextInt(-8, 10))).toString();
            default -> t.atOffset(ZoneOffset.UTC).toLocalDateTime().toString();
        };
    }

    /** {@link #bodies} as the UTF-8 bytes a client sends. */
    static List<byte[]> encodedBodies(MercuryConfig config, Snapshot s, int n, long seed) {
        return bodies(config, s, n, seed).stream().map(b -> b.encode().getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Three times in four, an item often bought with one already in the history (a real basket's items
     * go together, so their co-occurrence counts add up: random items leave the ranker's large-count
     * and merge paths to the first real requests); else, or without counts, -1 for a random one.
     */
    private static int basketMate(Snapshot s, List<Integer> picked, SplittableRandom random) {
        if (picked.isEmpty() || random.nextInt(4) == 0) return -1;
        int o = s.cooccurrenceNeighbour(picked.get(random.nextInt(picked.size())), random.nextInt(10));
        return o >= 0 && s.catalog().item(o) != null ? o : -1;
    }

    /** Runs the request path on {@code s} for {@code seconds}, in this thread; returns the requests run. */
    static int inProcess(MercuryConfig config, Snapshot s, int seconds) {
        if (seconds <= 0) return 0;
        RequestParser parser = new RequestParser(config);
        List<JsonObject> bodies = bodies(config, s, 256, 15);
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
     * until the JIT is quiet ({@link QuietJit}), up to {@code maxSeconds}; completes with the count (never fails). On one core, 5 s of
     * traffic left the compiler queue full: the first seconds after ready ran at a fraction of the
     * steady rate (docs/bench/warmup.md). A fixed longer time would be too short on a slow host and
     * too long on a fast one; the compiler's own activity says when the hot code is compiled.
     *
     * <p>The client is plain blocking sockets on threads of its own, writing the headers real clients
     * send ({@link #heads}: browsers, load testers, none; half of the connections ask for gzip), not Vert.x's HTTP client: a client in the same JVM
     * shares the server's decoder and handler code, and its traffic taught the JIT types and branches
     * that real traffic then contradicted (about 200 deoptimisations in the first 10 s after ready).
     */
    static Future<Integer> overHttp(Vertx vertx, int port, MercuryConfig config, Snapshot s, int minSeconds, int maxSeconds) {
        if (minSeconds <= 0 || s == null) return Future.succeededFuture(0);
        List<byte[]> bodies = encodedBodies(config, s, HTTP_BODIES, 7);
        Context context = vertx.getOrCreateContext();
        Promise<Integer> result = Promise.promise();
        Thread coordinator = new Thread(() -> {
            int sent = run(vertx, port, bodies, minSeconds, maxSeconds);
            context.runOnContext(v -> result.complete(sent));
        }, "mercury-warmup");
        coordinator.setDaemon(true);
        coordinator.start();
        return result.future();
    }

    private static int run(Vertx vertx, int port, List<byte[]> bodies, int minSeconds, int maxSeconds) {
        long start = System.nanoTime();
        long minEnd = start + TimeUnit.SECONDS.toNanos(minSeconds);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        boolean adaptive = jitTimed && maxSeconds > minSeconds; // else a fixed minSeconds: no need to watch the JIT
        long hardEnd = adaptive ? start + TimeUnit.SECONDS.toNanos(maxSeconds) : minEnd;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger shed = new AtomicInteger();
        AtomicInteger connections = new AtomicInteger();
        List<Thread> lanes = new ArrayList<>();
        for (int lane = 0; lane < LANES; lane++) {
            int l = lane;
            Thread t = new Thread(() -> lane(port, bodies, l, stop, sent, failed, shed, connections), "mercury-warmup-" + lane);
            t.setDaemon(true);
            t.start();
            lanes.add(t);
        }
        String why = adaptive ? "the longest warm-up (warmup.http_max_seconds) passed"
                : jitTimed ? "warmup.http_seconds passed (warmup.http_max_seconds is not above it)" : "no JIT timing on this JVM";
        long lastJitMs = adaptive ? jit.getTotalCompilationTime() : 0;
        QuietJit quiet = new QuietJit();
        int scrapes = 0;
        int burstAnswers = 0;
        try {
            while (System.nanoTime() < hardEnd && failed.get() <= MAX_FAILURES) {
                scrapeMetrics(port, scrapes++); // a Prometheus scrape is real traffic too: its writer was among the code deoptimised right after ready
                burstAnswers += connectionBurst(vertx, port, bodies, scrapes);
                Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(hardEnd - System.nanoTime()))));
                if (!adaptive) continue;
                long jitMs = jit.getTotalCompilationTime();
                long compiledLastSecond = jitMs - lastJitMs;
                lastJitMs = jitMs;
                if (quiet.second(compiledLastSecond, sent.get() - shed.get() - failed.get()) && System.nanoTime() >= minEnd) {
                    why = "the JIT is quiet (" + compiledLastSecond + " ms of compilation in the last second, under "
                            + JIT_QUIET_MS_PER_S + " for " + QuietJit.SECONDS + " s in a row at " + quiet.lastAnswers + " answers a second)";
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failed.get() > MAX_FAILURES) why = "the server did not answer (" + failed.get() + " failures)";
        stop.set(true);
        for (Thread t : lanes) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.log(System.Logger.Level.INFO, String.format(java.util.Locale.ROOT, "warmed with %d requests over HTTP in %.1f s on %d connections (%d of them on %d bursts of %d new connections): %s%s",
                sent.get() + burstAnswers, (System.nanoTime() - start) / 1e9, connections.get() + burstAnswers, burstAnswers, scrapes, BURST, why, (failed.get() == 0 ? "" : " (" + failed.get() + " not answered 200 or 503)")
                        + (shed.get() == 0 ? "" : " (" + shed.get() + " answered 503 while the server shed load)")));
        return sent.get() + burstAnswers;
    }

    /**
     * When the JIT has caught up with the warm-up: {@link #SECONDS} seconds in a row with less than
     * {@link #JIT_QUIET_MS_PER_S} ms of compilation each, while the warm-up ran at least half its best rate.
     * One quiet second alone ended warm-ups at 13,784 requests where others ran 42,662: a second in which
     * the warm-up itself was slowed (loop-lag 503s, a busy host) compiles little because little ran, and
     * the first real window then spent 1.3 s of its 2 s in C2 (docs/bench/warmup.md, run 12). The JIT's
     * thresholds count invocations, so a quiet second means something only at the warm-up's full rate.
     */
    static final class QuietJit {
        static final int SECONDS = 2;
        private long lastTotal = -1;
        private long bestAnswers;
        private int quietInARow;
        long lastAnswers;

        /** Takes one second's compilation time and the running total of answers; true once the JIT counts as quiet. */
        boolean second(long compiledMs, long answersTotal) {
            lastAnswers = lastTotal < 0 ? 0 : answersTotal - lastTotal;
            lastTotal = answersTotal;
            bestAnswers = Math.max(bestAnswers, lastAnswers);
            boolean atFullRate = lastAnswers > 0 && lastAnswers * 2 >= bestAnswers;
            quietInARow = compiledMs < JIT_QUIET_MS_PER_S && atFullRate ? quietInARow + 1 : 0;
            return quietInARow >= SECONDS;
        }
    }

    /**
     * Opens {@link #BURST} connections at once, sends one request on each and closes them together, as a
     * load tester or a fleet of reconnecting clients does; returns the answers read. The acceptor thread
     * is held (at most 200 ms) while they connect, so that they wait in the listen backlog together and
     * one accept read meets more than Netty's 16 messages per read. Connections that came one at a time
     * left that branch unseen: the first real burst after ready trapped in the compiled event-loop
     * method that had it inlined ({@code NioIoHandler.processSelectedKeysOptimized}), which the acceptor
     * and the event loop share, and the whole read path ran in profiling code while C2 recompiled it:
     * a stall of 100-650 ms with every connection's request unread (docs/bench/warmup.md, run 11).
     */
    static int connectionBurst(Vertx vertx, int port, List<byte[]> bodies, int round) {
        List<Socket> sockets = new ArrayList<>(BURST);
        CountDownLatch connected = new CountDownLatch(1);
        int answers = 0;
        try {
            holdAcceptors(vertx, connected);
            for (int i = 0; i < BURST; i++) {
                Socket socket = new Socket();
                sockets.add(socket);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            }
            connected.countDown();
            List<byte[]> heads = heads(port, round % 2 == 1);
            for (int i = 0; i < sockets.size(); i++) {
                Socket socket = sockets.get(i);
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                writeRequest(new BufferedOutputStream(socket.getOutputStream(), 16 * 1024), heads.get(i % heads.size()),
                        bodies.get((round * BURST + i) % bodies.size()));
            }
            for (Socket socket : sockets) {
                readResponse(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
                answers++;
            }
        } catch (IOException | RuntimeException e) {
            // not part of the warm-up's verdict: the lanes' failures are
        } finally {
            connected.countDown();
            for (Socket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a loopback socket the warm-up opened
                }
            }
        }
        return answers;
    }

    /** Parks each acceptor thread until {@code connected} or 200 ms, and waits (at most 1 s) until they are parked. */
    private static void holdAcceptors(Vertx vertx, CountDownLatch connected) {
        if (!(vertx instanceof VertxInternal internal)) return;
        List<EventExecutor> acceptors = new ArrayList<>();
        internal.acceptorEventLoopGroup().forEach(acceptors::add);
        CountDownLatch parked = new CountDownLatch(acceptors.size());
        for (EventExecutor acceptor : acceptors) {
            acceptor.execute(() -> {
                parked.countDown();
                try {
                    connected.await(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            parked.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The clients whose headers the warm-up sends in turn: browsers on phones, tablets and desktops (the
     * device rule's every branch), a load tester, curl, and none at all (wrk and plain HTTP libraries send
     * no {@code User-Agent}). One client's headers alone left the header parser and the device rule
     * compiled for it, and the first real clients deoptimised them (docs/bench/warmup.md).
     */
    static final String[] USER_AGENTS = {
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "k6/0.52.0 (https://k6.io/)",
        null,
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "curl/8.8.0",
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    };

    /**
     * What each of {@link #USER_AGENTS} sends as {@code Accept-Encoding} when it asks for compression: the
     * compressor parses the whole list, and a list with {@code br} or {@code zstd} (browsers, curl's
     * --compressed) takes branches that {@code gzip, deflate} alone left for the first real client.
     */
    private static final String[] ACCEPT_ENCODINGS = {
        "gzip, deflate, br", "gzip, deflate, br, zstd", "gzip", null, "gzip, deflate, br, zstd", "gzip, deflate, br",
        "deflate, gzip, br, zstd", "gzip, deflate, br, zstd", "gzip, deflate, br",
    };

    /**
     * The request heads a lane sends in turn (up to {@code Content-Length: }): each {@link #USER_AGENTS} entry,
     * with the host as a name or an address, with or without a port, and with or without {@code Accept} (a client without a
     * {@code User-Agent} sends the bare minimum, as wrk does).
     */
    static List<byte[]> heads(int port, boolean gzip) {
        List<byte[]> heads = new ArrayList<>();
        for (int v = 0; v < USER_AGENTS.length; v++) {
            String agent = USER_AGENTS[v];
            // An address or a name with the port, or a name without one (what a reverse proxy forwards): each parses differently.
            String host = v == 5 || v == 7 ? "shop.example.com" : (v % 2 == 0 ? "127.0.0.1:" : "localhost:") + port;
            StringBuilder h = new StringBuilder("POST /recommend HTTP/1.1\r\nHost: ").append(host).append("\r\n");
            if (agent != null) h.append("User-Agent: ").append(agent).append("\r\n").append(v % 3 == 0 ? "Accept: */*\r\n" : "Accept: application/json\r\n");
            if (gzip && agent != null) h.append("Accept-Encoding: ").append(ACCEPT_ENCODINGS[v]).append("\r\n");
            h.append("Content-Type: application/json\r\nContent-Length: ");
            heads.add(h.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return heads;
    }

    /** One request in this many of a lane is a client's mistake (a 400). */
    static final int CLIENT_ERROR_EVERY = 64;
    /** The unknown context field names of {@link #clientErrorBody} are prefixes of this. */
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz".repeat(7);

    /**
     * A body the API refuses with 400, as some real clients' are, whose answer is 60 to 240 bytes long
     * depending on {@code i}. Vert.x writes a Content-Length under 256 from a cache it fills on first
     * use, and the warm-up's answers had only ever used a few such lengths: the first small answer after
     * ready of a new length (the first 200 of {@code /health/ready}, 82 bytes) trapped there and threw
     * away the compiled {@code ErrorResponses.end}, which every answer goes through
     * (docs/bench/warmup.md, run 12).
     */
    static byte[] clientErrorBody(int i) {
        String name = LETTERS.substring(0, 1 + Math.floorMod(i * 7919, 180));
        return ("{\"context\":{\"" + name + "\":1},\"k\":10}").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code POST /recommend} until {@code stop}, {@link #REQUESTS_PER_CONNECTION} on each keep-alive
     * connection, then on a new one (and a new one after an error).
     */
    private static void lane(int port, List<byte[]> bodies, int lane, AtomicBoolean stop, AtomicInteger sent, AtomicInteger failed,
                             AtomicInteger shed, AtomicInteger connections) {
        List<byte[]> heads = heads(port, lane % 2 == 1);
        int i = lane * 16;
        while (!stop.get() && failed.get() <= MAX_FAILURES) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                connections.incrementAndGet();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                for (int onThis = 0; onThis < REQUESTS_PER_CONNECTION && !stop.get(); onThis++) {
                    boolean clientError = i % CLIENT_ERROR_EVERY == CLIENT_ERROR_EVERY - 1;
                    writeRequest(out, heads.get(i % heads.size()), clientError ? clientErrorBody(i) : bodies.get(i % bodies.size()));
                    i++;
                    sent.incrementAndGet();
                    int status = readResponse(in);
                    if (status == 503) shed.incrementAndGet(); // the server protecting itself (loop lag, in-flight cap), not a failure
                    else if (status != 200 && !(clientError && status == 400)) failed.incrementAndGet();
                }
            } catch (IOException e) {
                failed.incrementAndGet(); // e.g. the server closed the connection: open a new one
            }
        }
    }

    /**
     * {@code GET /metrics}, as Prometheus sends it (gzip) and, every other time, as a plain client
     * does (no compression, {@code Host} without a port). The plain page is larger than Netty's
     * write buffer high-water mark: its write takes the path where a connection stops being
     * writable and the allocator's large size classes, which a compressed scrape never reaches and
     * which deoptimised at a load tester's first scrape after ready (docs/bench/warmup.md, run 9).
     * Failures are ignored (metrics may be off).
     */
    private static void scrapeMetrics(int port, int scrape) {
        boolean plain = scrape % 2 == 1;
        String request = plain
                ? "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                : "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: Prometheus/2.53.0\r\n"
                        + "Accept: text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readResponse(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        } catch (IOException | RuntimeException e) {
            // not part of the warm-up's verdict
        }
    }

    /** Writes and flushes one request: a {@link #heads} entry (up to {@code Content-Length: }), the length, and the body. */
    private static void writeRequest(OutputStream out, byte[] head, byte[] body) throws IOException {
        out.write(head);
        out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked body) and returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String status = line(in);
        if (status.length() < 12 || !status.startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + status);
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) length = Long.parseLong(value);
            else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) chunked = true;
        }
        if (chunked) {
            for (long n = Long.parseLong(line(in).split(";")[0].trim(), 16); n > 0; n = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                skip(in, n);
                line(in);
            }
            while (!line(in).isEmpty()) { } // trailers
        } else if (length > 0) {
            skip(in, length);
        }
        return code;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new IOException("connection closed");
            if (c != '\r') b.append((char) c);
            if (b.length() > 16_384) throw new IOException("header line too long");
        }
        return b.toString();
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) throw new IOException("connection closed");
                k = 1;
            }
            n -= k;
        }
    }
}
