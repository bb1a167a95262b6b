package ai.mercury.config;

import java.util.Map;

/**
 * How {@code /recommend} reaches the model ({@code inference.*}): a request runs inline on the
 * event loop when nothing else is being computed and it is cheap (the lowest latency at low
 * concurrency: no thread hop), and is handed to the inference workers otherwise (parallelism at high
 * concurrency). Admission control bounds the work in flight: past {@code max_in_flight} requests, or
 * after waiting {@code queue_wait_budget_ms} for a worker, a request is answered 503 {@code overloaded}
 * at once instead of queueing. See docs/operations.md#dispatch-and-overload.
 *
 * @param inlineWhenIdle    run a cheap request on the event loop when no request is in flight
 * @param maxInFlight       requests being computed or waiting for a worker, beyond which new ones get 503
 * @param queueWaitBudgetMs longest a request may wait for a worker before it gets 503 instead of an answer
 */
public record DispatchConfig(boolean inlineWhenIdle, int maxInFlight, long queueWaitBudgetMs) {
    public static final boolean DEFAULT_INLINE_WHEN_IDLE = true;
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final long DEFAULT_QUEUE_WAIT_BUDGET_MS = 200;

    static void putDefaults(Map<String, Object> d) {
        d.put("inference.inline_when_idle", DEFAULT_INLINE_WHEN_IDLE);
        d.put("inference.max_in_flight", DEFAULT_MAX_IN_FLIGHT);
        d.put("inference.queue_wait_budget_ms", DEFAULT_QUEUE_WAIT_BUDGET_MS);
    }

    static DispatchConfig from(Map<String, Object> v) {
        return new DispatchConfig(MercuryConfig.bool(v, "inference.inline_when_idle"),
                MercuryConfig.intIn(v, "inference.max_in_flight", 1, 1_000_000),
                MercuryConfig.intIn(v, "inference.queue_wait_budget_ms", 1, 600_000));
    }
}
