package ai.mercury.config;

import java.util.Map;

/**
 * How {@code /recommend} reaches the model ({@code inference.*}): a request runs inline on the
 * event loop when nothing else is being computed and it is cheap (the lowest latency at low
 * concurrency: no thread hop), and is handed to the inference workers otherwise (parallelism at high
 * concurrency). Admission control bounds the work in flight: past {@code max_in_flight} requests, or
 * after waiting {@code queue_wait_budget_ms} for a worker, a request is answered 503 {@code overloaded}
 * at once instead of queueing; and while the event loop runs {@code max_loop_lag_ms} behind (requests
 * then wait in the socket before the server even reads them) every new request is refused at once.
 * See docs/operations.md#dispatch-and-overload.
 *
 * @param inlineWhenIdle    run a cheap request on the event loop when no request is in flight
 * @param maxInFlight       requests being computed or waiting for a worker, beyond which new ones get 503
 * @param queueWaitBudgetMs longest a request may wait for a worker before it gets 503 instead of an answer
 * @param maxInFlightExpensive expensive requests (below) in flight beyond which new expensive ones get 503, so that a few
 *                          k = 1,000 or long-history requests cannot take every worker from the cheap majority
 * @param expensiveK        a request with {@code k} at least this is expensive (search and JSON grow with k)
 * @param expensiveHistory  a request with at least this many history items is expensive
 * @param expensiveExcludes a request with at least this many excluded ids is expensive (over-fetching grows with them)
 * @param maxLoopLagMs      event-loop lag (a 10 ms timer's lateness, three times running) past which new requests get
 *                          503 at once; 0 turns it off
 * @param admissionRate     also limit each event loop's admitted rate, once it falls behind, to what the measured CPU
 *                          cost of an answer and of a refusal allow (server.AdmissionRate); off by default (docs/bench/overload.md)
 * @param admissionTarget   the share of the cores that limit aims at: lower answers fewer requests during an overload and
 *                          refuses the rest sooner (less queueing on the loop), higher answers more, later
 */
public record DispatchConfig(boolean inlineWhenIdle, int maxInFlight, long queueWaitBudgetMs, int maxInFlightExpensive,
                             int expensiveK, int expensiveHistory, int expensiveExcludes, long maxLoopLagMs, boolean admissionRate,
                             double admissionTarget) {
    public static final boolean DEFAULT_INLINE_WHEN_IDLE = true;
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final long DEFAULT_QUEUE_WAIT_BUDGET_MS = 200;
    public static final int DEFAULT_MAX_IN_FLIGHT_EXPENSIVE = 8;
    public static final int DEFAULT_EXPENSIVE_K = 250;
    public static final int DEFAULT_EXPENSIVE_HISTORY = 100;
    public static final int DEFAULT_EXPENSIVE_EXCLUDES = 500;
    public static final long DEFAULT_MAX_LOOP_LAG_MS = 30;
    public static final boolean DEFAULT_ADMISSION_RATE = false;
    public static final double DEFAULT_ADMISSION_TARGET = 0.85;

    /** The general limits with the default expensive-request limits. */
    public DispatchConfig(boolean inlineWhenIdle, int maxInFlight, long queueWaitBudgetMs) {
        this(inlineWhenIdle, maxInFlight, queueWaitBudgetMs, DEFAULT_MAX_IN_FLIGHT_EXPENSIVE, DEFAULT_EXPENSIVE_K,
                DEFAULT_EXPENSIVE_HISTORY, DEFAULT_EXPENSIVE_EXCLUDES, DEFAULT_MAX_LOOP_LAG_MS, DEFAULT_ADMISSION_RATE,
                DEFAULT_ADMISSION_TARGET);
    }

    static void putDefaults(Map<String, Object> d) {
        d.put("inference.inline_when_idle", DEFAULT_INLINE_WHEN_IDLE);
        d.put("inference.max_in_flight", DEFAULT_MAX_IN_FLIGHT);
        d.put("inference.queue_wait_budget_ms", DEFAULT_QUEUE_WAIT_BUDGET_MS);
        d.put("inference.max_in_flight_expensive", DEFAULT_MAX_IN_FLIGHT_EXPENSIVE);
        d.put("inference.expensive.k", DEFAULT_EXPENSIVE_K);
        d.put("inference.expensive.history", DEFAULT_EXPENSIVE_HISTORY);
        d.put("inference.expensive.excludes", DEFAULT_EXPENSIVE_EXCLUDES);
        d.put("inference.max_loop_lag_ms", DEFAULT_MAX_LOOP_LAG_MS);
        d.put("inference.admission_rate", DEFAULT_ADMISSION_RATE);
        d.put("inference.admission_target", DEFAULT_ADMISSION_TARGET);
    }

    static DispatchConfig from(Map<String, Object> v) {
        int maxInFlight = MercuryConfig.intIn(v, "inference.max_in_flight", 1, 1_000_000);
        return new DispatchConfig(MercuryConfig.bool(v, "inference.inline_when_idle"), maxInFlight,
                MercuryConfig.intIn(v, "inference.queue_wait_budget_ms", 1, 600_000),
                MercuryConfig.intIn(v, "inference.max_in_flight_expensive", 1, 1_000_000),
                MercuryConfig.intIn(v, "inference.expensive.k", 1, 1_000_000),
                MercuryConfig.intIn(v, "inference.expensive.history", 1, 1_000_000),
                MercuryConfig.intIn(v, "inference.expensive.excludes", 1, 1_000_000),
                MercuryConfig.intIn(v, "inference.max_loop_lag_ms", 0, 600_000),
                MercuryConfig.bool(v, "inference.admission_rate"),
                MercuryConfig.doubleIn(v, "inference.admission_target", 0.3, 1.0));
    }

    /** Whether a request of this size counts against {@link #maxInFlightExpensive}. */
    public boolean expensive(int k, int history, int excludes) {
        return k >= expensiveK || history >= expensiveHistory || excludes >= expensiveExcludes;
    }
}
