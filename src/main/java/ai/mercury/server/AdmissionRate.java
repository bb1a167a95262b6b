package ai.mercury.server;

/**
 * A rate limit on new {@code /recommend} requests of one event loop, sized by what an answer and a
 * refusal cost in CPU. No limit until the loop is behind ({@link LoopLag#behind}), or one probe firing
 * is {@link #ENGAGE_LATE_MS} late, or the requests in flight hold that much work: a backlog that
 * load past capacity builds (a young GC pause is a few ms; 32 connections in a closed loop hold
 * about 8 ms of work), and only once an answer's cost has been measured. Then, every {@link #WINDOW_MS} ms, the
 * limit is the admitted rate {@code A} that keeps the process at {@code inference.admission_target} of its
 * cores while it refuses the rest of the offered rate {@code O}:
 * {@code A·answerCost + (O − A)·refusalCost = budget}. Both costs are measured by the process's own
 * CPU time: an answer's in windows without refusals (serving normally), a refusal's in windows with
 * many. The limit is lifted once nothing was refused for {@link #CALM_WINDOWS_TO_LIFT} windows, or
 * when for as long the process was saturated without the loop being strained: that is a closed
 * loop (each client sends again as soon as it is answered), where fast refusals only bring more
 * requests, not the backlog the limit is for. It is also lifted after {@link #FIT_WINDOWS_TO_LIFT} unstrained
 * windows in a row whose whole offered rate the budget could answer. The limit never goes below {@link #FLOOR_SHARE} of
 * the capacity the answer's cost gives.
 *
 * <p>Why from costs and not from the lag alone: a limit cut by 20 % whenever the loop was late kept
 * cutting while the socket backlog that made it late drained, down to a few hundred requests a
 * second, and climbed back at a few percent a window for tens of seconds (docs/bench/overload.md,
 * "Admission rate"). The cost model gives the right rate in the first window after the backlog is
 * read, from the offered rate, and follows the offered rate both ways. A correction factor (at most
 * a halving) takes care of costs the model misses: it shrinks in windows where the loop is still
 * strained and grows back in windows where it keeps up. Confined to its event loop.
 */
final class AdmissionRate {
    static final long WINDOW_MS = 100;
    static final int CALM_WINDOWS_TO_LIFT = 20;
    /**
     * Windows in a row whose whole demand fits in the budget before the limit goes: one alone lifted and
     * restarted it every few seconds just under the capacity, where the offered rate of a window swings
     * around the budget (docs/bench/overload.md).
     */
    static final int FIT_WINDOWS_TO_LIFT = 3;
    /** The limit never goes below this (requests per second): a slow loop still serves someone. */
    static final double MIN_RATE = 20;
    /** Burst allowance in seconds of the limit: requests arrive in bunches of one loop iteration. */
    static final double BURST_SECONDS = 0.01;
    /** Requests a window needs before its CPU time says something about their cost (the process clock ticks every 10 ms). */
    static final int MIN_SAMPLE = 20;
    /** Weight of a new window in the cost estimates: about the last half second counts. */
    static final double SMOOTHING = 0.2;
    /** Before a refusal has been measured: a refusal parses headers only, about a sixth of an answer here. */
    static final double PRIOR_REFUSAL_SHARE = 0.2;
    /** A refusal reads the headers and writes a small answer: never more than this share of an answer, whatever a noisy window says. */
    static final double MAX_REFUSAL_SHARE = 0.5;
    static final double MIN_CORRECTION = 0.5;
    /** The most one window's sample may differ from a cost's estimate (a factor): the rest is taken for noise. */
    static final double MAX_STEP = 1.5;
    /** While limited, a probe firing this late refuses every request until one fires on time. */
    static final long DRAIN_LATE_MS = 10;
    /** A probe firing this late starts the limit (as does being {@link LoopLag#behind}). */
    static final long ENGAGE_LATE_MS = 50;
    /** The least share of its capacity the loop keeps answering while limited. */
    static final double FLOOR_SHARE = 0.5;
    /** Smoothed utilisation (of the cores' share) at which a limited, unstrained loop is taken for a closed loop. */
    static final double SATURATED = 0.95;

    private static final long WINDOW_NANOS = WINDOW_MS * 1_000_000;

    /**
     * What every event loop's limit admitted and refused, for costs measured against the process's
     * CPU time: a loop's own counts against the whole process's CPU misjudged the costs whenever the
     * loops carried unequal shares of the connections (3× an answer's cost, in one run). Thread-safe.
     */
    static final class Totals {
        final java.util.concurrent.atomic.LongAdder admitted = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
    }

    private final Totals totals;
    private final int cores;
    /** CPU seconds per second the process may spend: its cores times the target. */
    private final double budget;
    private double limit = Double.POSITIVE_INFINITY;
    private double tokens;
    private long lastRefillNanos;
    private long windowStartNanos;
    private long windowStartCpuNanos;
    private long windowStartAdmitted;
    private long windowStartRefused;
    /** This loop's own counts in the window: its share of the offered rate. */
    private int admitted;
    private int refused;
    private boolean fellBehind;
    private boolean strainedInWindow;
    private int calmWindows;
    private int fitWindows;
    /** CPU seconds (all threads of the process) per admitted and per refused request, over all loops; NaN until measured. */
    private double answerCost = Double.NaN;
    private double refusalCost = Double.NaN;
    private double correction = 1;
    private double utilisation;
    private int saturatedWindows;
    private boolean draining;
    /** Limited, and the last window refused more of this loop's requests than it admitted: a deep overload. */
    private boolean refusingMost;

    /**
     * @param cpuNanos the process's CPU time now
     * @param cores    the cores the process may use
     * @param target   the share of the cores to spend while limited ({@code inference.admission_target}): the
     *                 rest is room for the loop to read bursts at once, which is what keeps refusals fast
     * @param totals   shared by every event loop's limit
     */
    AdmissionRate(long nowNanos, long cpuNanos, int cores, double target, Totals totals) {
        this.totals = totals;
        this.cores = Math.max(1, cores);
        this.budget = this.cores * target;
        windowStartNanos = nowNanos;
        lastRefillNanos = nowNanos;
        windowStartCpuNanos = cpuNanos;
        windowStartAdmitted = totals.admitted.sum();
        windowStartRefused = totals.refused.sum();
    }

    /** Whether a new request may go on (and it is counted); false: refuse it (also counted). */
    boolean tryAdmit(long nowNanos) {
        if (draining) {
            countRefused();
            return false;
        }
        if (limit != Double.POSITIVE_INFINITY) {
            tokens = Math.min(Math.max(1, limit * BURST_SECONDS), tokens + (nowNanos - lastRefillNanos) * limit / 1e9);
            lastRefillNanos = nowNanos;
            if (tokens < 1) {
                countRefused();
                return false;
            }
            tokens -= 1;
        }
        admitted++;
        totals.admitted.increment();
        return true;
    }

    /** A request refused before it reached {@link #tryAdmit} (the loop was behind): it cost a refusal too. */
    void countRefused() {
        refused++;
        totals.refused.increment();
    }

    /**
     * A probe firing with the loop's state ({@link LoopLag}), the process's CPU time and the requests
     * in flight (all loops); sets the limit once per window, or at once when a backlog starts it.
     */
    void onProbe(long nowNanos, long cpuNanos, long lateNanos, boolean strained, boolean behind, int inFlight) {
        // Work already queued behind the loop (for the workers) counts like lateness: on one core the loop
        // hands requests over quickly and stays nearly on time while the queue grows.
        double queuedSeconds = Double.isNaN(answerCost) ? 0 : inFlight * answerCost / cores;
        boolean deepLate = behind || lateNanos >= ENGAGE_LATE_MS * 1_000_000 || queuedSeconds >= ENGAGE_LATE_MS / 1e3;
        // Limited and late: until a firing is on time, refuse everything. What waits then is a backlog of
        // requests already late; refusing it at a fraction of an answer's cost clears it in a few loop
        // iterations, where the budget's spare 15 % took seconds (docs/bench/overload.md).
        draining = limit != Double.POSITIVE_INFINITY && lateNanos >= DRAIN_LATE_MS * 1_000_000;
        fellBehind |= deepLate;
        strainedInWindow |= strained;
        long elapsed = nowNanos - windowStartNanos;
        // A backlog starts the limit at once, on the window so far: past capacity each loop iteration
        // reads every ready socket, so iterations grow geometrically, and waiting for the window's end
        // let the backlog reach most of a second (docs/bench/overload.md).
        if (elapsed < WINDOW_NANOS && !(deepLate && limit == Double.POSITIVE_INFINITY)) return;
        double seconds = elapsed / 1e9;
        double cpu = (cpuNanos - windowStartCpuNanos) / 1e9;
        long allAdmitted = totals.admitted.sum() - windowStartAdmitted;
        long allRefused = totals.refused.sum() - windowStartRefused;
        utilisation += SMOOTHING * (cpu / seconds / cores - utilisation);
        if (admitted + refused > 0) { // windows without requests (the start-up warm-up's do not count) say nothing
            learnCosts(cpu, seconds, allAdmitted, allRefused, limit != Double.POSITIVE_INFINITY && !strainedInWindow);
            double offered = (allAdmitted + allRefused) / seconds;
            double share = (admitted + refused) / Math.max(1.0, allAdmitted + allRefused);
            if (limit == Double.POSITIVE_INFINITY) {
                // Only once an answer's cost is known: right after start a JIT-cold loop is late on its own
                // (lag shedding covers that), and a limit from a guessed cost held a warming server to a trickle.
                if (fellBehind && !Double.isNaN(answerCost)) {
                    correction = 1;
                    calmWindows = 0;
                    fitWindows = 0;
                    limit = rateFor(offered) * share;
                    draining = true;
                    tokens = 0;
                    lastRefillNanos = nowNanos;
                }
            } else {
                correction = strainedInWindow ? Math.max(MIN_CORRECTION, correction * 0.9) : Math.min(1, correction * 1.02);
                calmWindows = refused == 0 ? calmWindows + 1 : 0;
                saturatedWindows = utilisation >= SATURATED && !strainedInWindow ? saturatedWindows + 1 : 0;
                // The whole demand fits in the budget at an answer's cost, and the loop kept up: there is no
                // excess to refuse. Waiting for 2 s without a refusal instead kept a lower target limited 1-3 s
                // into the recovery, where a probe firing late now and then (a GC pause) refused everything
                // again (docs/bench/overload.md). Not in a strained window: there the cost estimate is too low.
                boolean fits = offered * answerCost <= budget && !strainedInWindow;
                fitWindows = fits ? fitWindows + 1 : 0;
                boolean lift = fitWindows >= FIT_WINDOWS_TO_LIFT || calmWindows >= CALM_WINDOWS_TO_LIFT || saturatedWindows >= CALM_WINDOWS_TO_LIFT;
                if (lift) saturatedWindows = 0;
                limit = lift ? Double.POSITIVE_INFINITY : rateFor(offered) * share;
                refusingMost = !lift && refused > admitted;
            }
        }
        windowStartNanos = nowNanos;
        windowStartCpuNanos = cpuNanos;
        windowStartAdmitted += allAdmitted;
        windowStartRefused += allRefused;
        admitted = 0;
        refused = 0;
        fellBehind = false;
        strainedInWindow = false;
    }

    /**
     * @param settled the limit held through the window and the loop kept up: the CPU went to this
     *                window's requests, not to a backlog admitted before it (which made refusals look
     *                as dear as answers at the start of an overload, and the limit jump)
     */
    private void learnCosts(double cpu, double seconds, long allAdmitted, long allRefused, boolean settled) {
        if (allRefused == 0 && allAdmitted >= MIN_SAMPLE && cpu >= budget * seconds * 0.3 && (!strainedInWindow || Double.isNaN(answerCost))) {
            // Busy enough that fixed overheads (timers, scrapes, idle GC) are a small part of it, and
            // keeping up: a window in which work piled up pays for requests of the windows before (unless
            // nothing better is known).
            answerCost = blend(answerCost, cpu / allAdmitted);
        } else if (settled && allRefused >= MIN_SAMPLE && !Double.isNaN(answerCost)) {
            double perRefusal = (cpu - allAdmitted * answerCost) / allRefused;
            refusalCost = blend(refusalCost, Math.max(0, Math.min(answerCost * MAX_REFUSAL_SHARE, perRefusal)));
        }
    }

    /**
     * The estimate moved towards {@code sample}, which is first clipped to within {@link #MAX_STEP} of
     * it: one odd window (the accepts of 512 new connections, a JIT burst) once doubled the answer's
     * cost, and the limit with it, just as an overload began.
     */
    private static double blend(double old, double sample) {
        if (Double.isNaN(old)) return sample;
        double clipped = Math.max(old / MAX_STEP, Math.min(old * MAX_STEP, sample));
        return old + SMOOTHING * (clipped - old);
    }

    /** The admitted rate (all loops) that spends the budget on answering it and refusing the rest of {@code offered}. */
    private double rateFor(double offered) {
        double refusal = Double.isNaN(refusalCost) ? answerCost * PRIOR_REFUSAL_SHARE : refusalCost;
        double rate = (budget - offered * refusal) / Math.max(1e-9, answerCost - refusal);
        return Math.max(Math.max(MIN_RATE, FLOOR_SHARE * budget / answerCost), rate * correction);
    }

    /**
     * Whether the loop is deep in an overload: limited, and refusing more than it admits (or refusing
     * everything until it is on time again). Just under the capacity a limit refuses a fifth or so.
     */
    boolean refusingMost() {
        return draining || refusingMost; // refusingMost is cleared where the limit is lifted
    }

    /** The current limit in requests per second; infinite when there is none. */
    double limit() {
        return limit;
    }

    /** The measured CPU seconds per answer (NaN until measured), for the log and tests. */
    double answerCost() {
        return answerCost;
    }

    double refusalCost() {
        return refusalCost;
    }
}
