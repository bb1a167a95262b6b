package ai.mercury.server;

/**
 * A rate limit on new {@code /recommend} requests of one event loop, set by the loop's own lag:
 * multiplicative increase and decrease, as TCP does with its window. No limit until the loop falls
 * behind ({@link LoopLag#behind}: a real backlog, which moderate load with a GC pause never makes);
 * then at most 80 % of the rate it admitted in the window in which it fell behind, raised by 3 %
 * every {@link #WINDOW_MS} ms in which it kept up, cut again whenever it is strained
 * ({@link LoopLag#strained}: earlier than behind, so the backlog stays short), and lifted once the
 * demand stayed under it for {@link #CALM_WINDOWS_TO_LIFT} windows. Refusing costs the loop a fraction of an answer, so a
 * limit just under what the loop sustains leaves it the time to refuse the rest at once; without
 * one, lag shedding alone swung between refusing everything and admitting everything, and the excess
 * waited seconds in the sockets (docs/bench/overload.md). Confined to its event loop.
 */
final class AdmissionRate {
    static final long WINDOW_MS = 100;
    static final int CALM_WINDOWS_TO_LIFT = 20;
    static final double DECREASE = 0.8;
    static final double INCREASE = 1.03;
    /** The limit never goes below this (requests per second): a slow loop still serves someone. */
    static final double MIN_RATE = 20;
    /** Windows after a cut before the next: the backlog that made the loop strained takes a while to drain, and cutting on it again and again drove the limit to the floor. */
    static final int WINDOWS_BETWEEN_CUTS = 3;
    /** Burst allowance in seconds of the limit: requests arrive in bunches of one loop iteration. */
    static final double BURST_SECONDS = 0.01;

    private static final long WINDOW_NANOS = WINDOW_MS * 1_000_000;

    private double limit = Double.POSITIVE_INFINITY;
    private double tokens;
    private long lastRefillNanos;
    private long windowStartNanos;
    private int admitted;
    private int refused;
    private boolean fellBehind;
    private int calmWindows;
    private int windowsSinceCut = WINDOWS_BETWEEN_CUTS;

    AdmissionRate(long nowNanos) {
        windowStartNanos = nowNanos;
        lastRefillNanos = nowNanos;
    }

    /** Whether a new request may go on (and it is counted); false: refuse it. */
    boolean tryAdmit(long nowNanos) {
        if (limit == Double.POSITIVE_INFINITY) {
            admitted++;
            return true;
        }
        tokens = Math.min(Math.max(1, limit * BURST_SECONDS), tokens + (nowNanos - lastRefillNanos) * limit / 1e9);
        lastRefillNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            admitted++;
            return true;
        }
        refused++;
        return false;
    }

    /**
     * A probe firing, with the loop's state ({@link LoopLag}); adjusts the limit once per window. Being
     * behind starts a limit; once there is one, being strained cuts it.
     */
    void onProbe(long nowNanos, boolean strained, boolean behind) {
        fellBehind |= limit == Double.POSITIVE_INFINITY ? behind : strained;
        long elapsed = nowNanos - windowStartNanos;
        if (elapsed < WINDOW_NANOS) return;
        double admittedRate = admitted * 1e9 / elapsed;
        windowsSinceCut++;
        if (admitted == 0 && refused == 0) {
            // no request reached the edge (the start-up warm-up's own do not count): no evidence either way
        } else if (fellBehind && windowsSinceCut >= WINDOWS_BETWEEN_CUTS) {
            windowsSinceCut = 0;
            limit = Math.max(MIN_RATE, Math.min(limit, admittedRate) * DECREASE);
            tokens = 0;
            lastRefillNanos = nowNanos;
            calmWindows = 0;
        } else if (!fellBehind && limit != Double.POSITIVE_INFINITY) {
            calmWindows = refused == 0 ? calmWindows + 1 : 0;
            limit = calmWindows >= CALM_WINDOWS_TO_LIFT ? Double.POSITIVE_INFINITY : limit * INCREASE;
        }
        windowStartNanos = nowNanos;
        admitted = 0;
        refused = 0;
        fellBehind = false;
    }

    /** The current limit in requests per second; infinite when there is none. */
    double limit() {
        return limit;
    }
}
