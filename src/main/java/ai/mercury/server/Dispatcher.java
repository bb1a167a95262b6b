package ai.mercury.server;

import ai.mercury.config.DispatchConfig;
import ai.mercury.model.RecommendQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a validated {@code /recommend} reaches the model, one design for every load:
 * <ul>
 *   <li><b>Inline when idle.</b> When no other request is in flight and this one is cheap (see
 *       {@link #cheap}), it runs right here on the event loop: no thread hop, no event-bus message,
 *       the lowest latency at low concurrency (measured in docs/bench/dispatch.md). Not while the
 *       loop refuses most of its load ({@link #runsInline}).</li>
 *   <li><b>Hand off under load.</b> Otherwise it goes over the event bus to the
 *       {@link InferenceVerticle} workers, so the event loop keeps parsing and writing while the
 *       workers compute in parallel: the highest throughput at high concurrency.</li>
 *   <li><b>Admission control.</b> Past {@code inference.max_in_flight} requests in flight, a new one
 *       is refused at once with 503 {@code overloaded}; a worker refuses a job that waited longer than
 *       {@code inference.queue_wait_budget_ms} for it while more requests are in flight than there are
 *       workers (a backlog, not one slow hop), and skips one whose caller has timed out. Expensive
 *       requests (large k, long history or exclude lists: {@link DispatchConfig#expensive}) have their own,
 *       smaller cap, {@code inference.max_in_flight_expensive}.</li>
 * </ul>
 * One instance per HTTP verticle; the {@link Admission} (the in-flight count) is shared by all of
 * them and by the workers. Event-loop confined apart from the admission's atomic counter.
 */
final class Dispatcher {
    /** Requests up to these sizes are cheap enough to run on the event loop (tens to hundreds of µs). */
    static final int INLINE_MAX_K = 100;
    static final int INLINE_MAX_HISTORY = 50;
    static final int INLINE_MAX_EXCLUDES = 100;

    /** The shared in-flight count and the refusals, for the HTTP side and the workers. Thread-safe. */
    static final class Admission {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger expensiveInFlight = new AtomicInteger();
        private final DispatchConfig config;
        private final long queueWaitBudgetNanos;
        private final ServerMetrics metrics;
        private final int workers;
        /** What the event loops' {@link AdmissionRate}s admitted and refused, together. */
        final AdmissionRate.Totals rateTotals = new AdmissionRate.Totals();

        Admission(DispatchConfig config, int workers, ServerMetrics metrics) {
            this.config = config;
            this.workers = workers;
            this.queueWaitBudgetNanos = TimeUnit.MILLISECONDS.toNanos(config.queueWaitBudgetMs());
            this.metrics = metrics;
            metrics.bindInFlight(inFlight::get);
        }

        /** A refusal for a job a worker should not compute (its caller gave up, or it waited too long); null to compute it. */
        RecommendReply refuseStale(InferenceJob job, long now) {
            if (now - job.deadlineNanos() > 0) {
                metrics.shed("deadline");
                return RecommendReply.failed(timeout(0)); // the caller has had its 503 already; nobody reads this
            }
            // Only a real backlog (more requests in flight than workers) is overload; one slow hop on a
            // busy host (a GC pause, CPU steal) is not a reason to refuse the request.
            if (now - job.handedOverNanos() > queueWaitBudgetNanos && inFlight.get() > workers) {
                metrics.shed("queue_wait");
                return RecommendReply.failed(overloaded("waited " + TimeUnit.NANOSECONDS.toMillis(now - job.handedOverNanos())
                        + " ms for a worker (budget " + config.queueWaitBudgetMs() + " ms)"));
            }
            return null;
        }

        int inFlight() {
            return inFlight.get();
        }
    }

    private final Vertx vertx;
    private final Inference inference;
    private final Admission admission;
    private final DeliveryOptions delivery;
    private final long timeoutMs;
    /** Package-private for tests, which make the loop late without stalling it. */
    final LoopLag lag;
    /** Set by {@link #startLagProbe} on the loop that runs it; null when the probe or {@code inference.admission_rate} is off. */
    private AdmissionRate rate;
    static final long LAG_PROBE_MS = 10;

    Dispatcher(Vertx vertx, Inference inference, Admission admission, long timeoutMs) {
        this.vertx = vertx;
        this.inference = inference;
        this.admission = admission;
        this.timeoutMs = timeoutMs;
        this.delivery = new DeliveryOptions().setSendTimeout(timeoutMs);
        this.lag = new LoopLag(admission.config.maxLoopLagMs());
    }

    /**
     * The 503 for a new request while this dispatcher's event loop is behind (see {@link #startLagProbe}),
     * counted as shed; null when the loop keeps up. The HTTP edge asks before reading the body, and
     * {@link #dispatch} again for a body that arrived just before the loop fell behind. Not counted in
     * the rate here: the edge counts its own refusals, and a request refused at dispatch was admitted
     * at the edge and has cost the parse of its body, as an answer's start does.
     */
    ApiException refusalWhileBehind() {
        if (!lag.behind()) return null;
        admission.metrics.shed("loop_lag");
        return overloaded("the event loop is " + lag.lastMs() + " ms behind");
    }

    /**
     * The 503 for a new request at the HTTP edge (before its body is read): while the loop is behind,
     * or past the rate it has shown it can sustain ({@link AdmissionRate}); null to go on. Call once
     * per request: an admitted request takes its place in the rate.
     */
    ApiException refusalAtEdge() {
        ApiException behind = refusalWhileBehind();
        if (behind != null) {
            if (rate != null) rate.countRefused();
            return behind;
        }
        if (rate == null || rate.tryAdmit(System.nanoTime())) return null;
        admission.metrics.shed("rate_limit");
        return overloaded("this event loop admits at most " + Math.round(rate.limit()) + " requests/s until it catches up");
    }

    /**
     * Starts the lag probe on the calling event loop (call from the verticle's start). Past capacity
     * the loop itself is the bottleneck on a small machine: requests then wait in the sockets before
     * the server reads them, where no in-flight count sees them, and without this probe a load of
     * twice the capacity queued for tens of seconds with not one 503 (docs/bench/overload.md). A
     * 10 ms timer that fires more than {@code max_loop_lag_ms} late three times running means the
     * loop is behind, not one GC pause or CPU steal (those make one late firing); until a firing is
     * on time again, new requests get a 503 for the few microseconds of parsing them.
     */
    void startLagProbe() {
        if (admission.config.maxLoopLagMs() <= 0) return;
        if (admission.config.admissionRate()) {
            rate = new AdmissionRate(System.nanoTime(), processCpuNanos(), Runtime.getRuntime().availableProcessors(),
                    admission.config.admissionTarget(), admission.rateTotals);
        }
        armProbe();
    }

    private void armProbe() {
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LAG_PROBE_MS);
        try {
            vertx.setTimer(LAG_PROBE_MS, id -> {
                long now = System.nanoTime();
                lag.record(now - due);
                if (rate != null) {
                    double before = rate.limit();
                    rate.onProbe(now, processCpuNanos(), now - due, lag.strained(), lag.behind(), admission.inFlight());
                    logLimitChange(before, rate.limit());
                }
                armProbe();
            });
        } catch (RuntimeException closing) {
            // Vert.x is closing: no more probes
        }
    }

    /** One line when the limit starts and one when it goes: state changes, at most a few a minute under a steady load. */
    private void logLimitChange(double before, double after) {
        boolean on = before == Double.POSITIVE_INFINITY && after != Double.POSITIVE_INFINITY;
        boolean off = before != Double.POSITIVE_INFINITY && after == Double.POSITIVE_INFINITY;
        if (on) {
            LOG.log(System.Logger.Level.INFO, String.format(java.util.Locale.ROOT,
                    "overloaded: admitting at most %.0f /recommend a second on this event loop (an answer costs %.0f µs of CPU, a refusal %s)",
                    after, rate.answerCost() * 1e6, Double.isNaN(rate.refusalCost()) ? "not measured yet" : Math.round(rate.refusalCost() * 1e6) + " µs"));
        } else if (off) {
            LOG.log(System.Logger.Level.INFO, "no longer overloaded: the admission limit is lifted");
        }
    }

    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final java.lang.management.OperatingSystemMXBean OS = java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** The process's CPU time (all threads, GC and JIT included), in the OS's clock ticks; 0 where the JVM does not say. */
    static long processCpuNanos() {
        return OS instanceof com.sun.management.OperatingSystemMXBean os ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

    /** The reply for {@code query}, which arrived at {@code arrivalNanos}; never a failed future. */
    Future<RecommendReply> dispatch(RecommendQuery query, long arrivalNanos) {
        ApiException behind = refusalWhileBehind();
        if (behind != null) return Future.succeededFuture(RecommendReply.failed(behind));
        int n = admission.inFlight.incrementAndGet();
        if (n > admission.config.maxInFlight()) {
            admission.inFlight.decrementAndGet();
            admission.metrics.shed("max_in_flight");
            return Future.succeededFuture(RecommendReply.failed(overloaded(admission.config.maxInFlight() + " requests are in flight")));
        }
        DispatchConfig limits = admission.config;
        boolean expensive = limits.expensive(query.k(), query.user().history().size(), query.filters().exclude().size());
        if (expensive && admission.expensiveInFlight.incrementAndGet() > limits.maxInFlightExpensive()) {
            admission.expensiveInFlight.decrementAndGet();
            admission.inFlight.decrementAndGet();
            admission.metrics.shed("max_in_flight_expensive");
            return Future.succeededFuture(RecommendReply.failed(overloaded(limits.maxInFlightExpensive()
                    + " expensive requests (k >= " + limits.expensiveK() + ", history >= " + limits.expensiveHistory() + " or excludes >= "
                    + limits.expensiveExcludes() + ") are in flight")));
        }
        if (runsInline(admission.config, n, rate != null && rate.refusingMost(), query)) {
            try {
                return Future.succeededFuture(inference.run(query));
            } finally {
                admission.inFlight.decrementAndGet();
                if (expensive) admission.expensiveInFlight.decrementAndGet();
            }
        }
        InferenceJob job = new InferenceJob(query, System.nanoTime(), arrivalNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        return vertx.eventBus().<RecommendReply>request(InferenceVerticle.ADDRESS, job, delivery)
                .map(Message::body)
                .recover(e -> Future.succeededFuture(e instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT
                        ? RecommendReply.failed(timeout(timeoutMs))
                        : RecommendReply.failed(new ApiException(500, "internal_error", "the request could not reach an inference worker"))))
                .andThen(ignored -> {
                    admission.inFlight.decrementAndGet();
                    if (expensive) admission.expensiveInFlight.decrementAndGet();
                });
    }

    /**
     * Whether {@code query} runs here on the event loop: inline is on, no other request is in flight, it
     * is {@link #cheap}, and the loop is not deep in an overload ({@code refusingMost}:
     * {@link AdmissionRate#refusingMost}). Far past capacity the admitted requests come a few hundred µs
     * apart, so most of them found nothing in flight and ran inline, and the many refusals read in the
     * same loop iteration waited behind them (docs/bench/overload.md). Just under the capacity, where a
     * limit refuses a fifth or so, inline answers stay cheaper and faster.
     */
    static boolean runsInline(DispatchConfig config, int inFlight, boolean refusingMost, RecommendQuery query) {
        return config.inlineWhenIdle() && inFlight == 1 && !refusingMost && cheap(query);
    }

    /** Small enough to run on the event loop: no query text to embed (MiniLM takes milliseconds), small k, history and excludes. */
    static boolean cheap(RecommendQuery q) {
        return q.user().query() == null && q.k() <= INLINE_MAX_K && q.user().history().size() <= INLINE_MAX_HISTORY
                && q.filters().exclude().size() <= INLINE_MAX_EXCLUDES;
    }

    static ApiException overloaded(String why) {
        return new ApiException(503, "overloaded", "the server is at capacity (" + why + "); retry in a moment");
    }

    private static ApiException timeout(long ms) {
        return new ApiException(503, "timeout", "no answer within " + ms + " ms; the server is overloaded");
    }
}
