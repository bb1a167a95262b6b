package ai.mercury.server;

import ai.mercury.config.DispatchConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rate limit against a simulated one-core process: requests offered at a steady rate, each
 * answer costing {@link #ANSWER_NS} of CPU and each refusal {@link #REFUSAL_NS}, the process clock
 * advancing in 10 ms ticks as Linux reports it, probes every 10 ms, each as late as the backlog of
 * work the simulated loop has not caught up with.
 */
class AdmissionRateTest {
    private static final long MS = 1_000_000;
    private static final long ANSWER_NS = 200_000; // capacity 5,000/s
    private static final long REFUSAL_NS = 40_000;

    /** A simulated process: a clock, its CPU time, and the work of the current probe interval. */
    private static final class Process {
        long now;
        long cpu;
        long busyThisProbe;
        long backlog;

        long cpuTicks() {
            return cpu / (10 * MS) * (10 * MS);
        }
    }

    /** Offers {@code perSecond} requests a second for {@code ms}; returns those admitted. */
    private static int offer(AdmissionRate rate, Process p, int perSecond, long ms) {
        int admitted = 0;
        long gap = 1_000_000_000L / perSecond;
        long end = p.now + ms * MS;
        long nextProbe = (p.now / (10 * MS) + 1) * 10 * MS;
        while (p.now < end) {
            p.now += gap;
            long cost = rate.tryAdmit(p.now) ? ANSWER_NS : REFUSAL_NS;
            if (cost == ANSWER_NS) admitted++;
            p.cpu += cost;
            p.busyThisProbe += cost;
            while (nextProbe <= p.now) {
                p.backlog = Math.max(0, p.backlog + p.busyThisProbe - 10 * MS);
                rate.onProbe(nextProbe, p.cpuTicks(), p.backlog, p.backlog > 3 * MS, false, 0);
                p.busyThisProbe = 0;
                nextProbe += 10 * MS;
            }
        }
        return admitted;
    }

    /** Serves normally for 1 s (the answer's cost is learnt), then twice the capacity for 2 s: limited. */
    private static void servedThenTwiceTheCapacity(AdmissionRate rate, Process p) {
        offer(rate, p, 4_000, 1_000);
        offer(rate, p, 10_000, 2_000);
    }

    private static AdmissionRate oneCore() {
        return oneCore(DispatchConfig.DEFAULT_ADMISSION_TARGET, new AdmissionRate.Totals());
    }

    private static AdmissionRate oneCore(double target, AdmissionRate.Totals totals) {
        return new AdmissionRate(0, 0, 1, target, totals);
    }

    /**
     * Serves normally (the answer's cost is learnt), then twice the capacity for 3 s (engages, learns the
     * refusal's cost); asserts that the next 2 s admit the rate {@code A} of
     * {@code target = A·answer + (10,000 − A)·refusal} and stay within {@code maxUsed} of the core.
     */
    private static AdmissionRate assertAdmitsWhatTheTargetLeavesAtTwiceTheCapacity(double target, double maxUsed) {
        Process p = new Process();
        AdmissionRate rate = oneCore(target, new AdmissionRate.Totals());
        offer(rate, p, 4_000, 1_000);
        offer(rate, p, 10_000, 3_000);
        long cpu0 = p.cpu;
        int admitted = offer(rate, p, 10_000, 2_000);
        double expected = (target - 10_000 * REFUSAL_NS / 1e9) / ((ANSWER_NS - REFUSAL_NS) / 1e9);
        assertEquals(expected * 2, admitted, expected * 2 * 0.1, "admitted over 2 s");
        double used = (p.cpu - cpu0) / 2e9;
        assertTrue(used <= maxUsed, "the process stays within its target: " + used + " of the core");
        return rate;
    }

    @Test
    void noLimitWhileTheLoopKeepsUp() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        assertEquals(4_000, offer(rate, p, 4_000, 1_000));
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
        assertEquals(ANSWER_NS / 1e9, rate.answerCost(), ANSWER_NS / 1e9 * 0.15, "an answer's cost, measured while serving");
    }

    @Test
    void aLowerTarget_admitsLessAndLeavesTheRestOfTheCoreIdle() {
        // 0.7 = A * 200 µs + (10,000 - A) * 40 µs  =>  A = 1,875/s, against 2,812/s at the default 0.85
        assertAdmitsWhatTheTargetLeavesAtTwiceTheCapacity(0.7, 0.75);
    }

    @Test
    void twiceTheCapacity_admitsWhatTheBudgetLeavesAfterRefusingTheRest() {
        // 0.85 = A * 200 µs + (10,000 - A) * 40 µs  =>  A = 2,812/s
        AdmissionRate rate = assertAdmitsWhatTheTargetLeavesAtTwiceTheCapacity(DispatchConfig.DEFAULT_ADMISSION_TARGET, 0.9);
        assertEquals(REFUSAL_NS / 1e9, rate.refusalCost(), REFUSAL_NS / 1e9 * 0.3, "a refusal's cost, measured while refusing");
    }

    @Test
    void followsTheOfferedRate_andLiftsWhenDemandFits() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        servedThenTwiceTheCapacity(rate, p);
        double atTwice = rate.limit();
        assertTrue(atTwice < Double.POSITIVE_INFINITY && rate.refusingMost(), "limited at twice the capacity, refusing most: " + atTwice);
        offer(rate, p, 7_000, 2_000);
        assertTrue(rate.limit() > atTwice * 1.1, "less to refuse, more to answer: " + rate.limit() + " against " + atTwice);
        offer(rate, p, 2_000, 2_500); // demand under the limit for 2 s: no limit
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
        assertFalse(rate.refusingMost());
    }

    @Test
    void aLowerTarget_isLiftedAsSoonAsTheDemandFitsInIt() {
        Process p = new Process();
        AdmissionRate rate = oneCore(0.65, new AdmissionRate.Totals());
        servedThenTwiceTheCapacity(rate, p);
        assertTrue(rate.limit() < 5_000, "limited at twice the capacity: " + rate.limit());
        int admitted = offer(rate, p, 2_000, 400); // 0.4 of the core: within the 0.65 target
        assertEquals(Double.POSITIVE_INFINITY, rate.limit(), "no limit once the demand fits, a few windows in a row");
        assertTrue(admitted >= 750, "the recovery's requests answered: " + admitted + " of 800");
    }

    @Test
    void aWindowOrTwoOfFittingDemand_doNotLiftTheLimit() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        servedThenTwiceTheCapacity(rate, p);
        offer(rate, p, 2_000, 200); // a lull of one or two windows, as the offered rate swings just under the capacity
        assertTrue(rate.limit() < Double.POSITIVE_INFINITY, "still limited after a window or two of fitting demand");
        assertFalse(rate.refusingMost(), "limited but refusing little: not a deep overload");
    }

    @Test
    void aDemandThatFitsOnlyByAnUnderestimatedCost_staysLimitedWhileTheLoopIsStrained() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        servedThenTwiceTheCapacity(rate, p);
        for (int window = 0; window < 5; window++) { // 4,000/s fits by the 200 µs measured, but every probe is strained
            for (int i = 0; i < 400; i++) {
                p.now += 250_000;
                p.cpu += rate.tryAdmit(p.now) ? ANSWER_NS : REFUSAL_NS;
            }
            rate.onProbe(p.now, p.cpuTicks(), 4 * MS, true, false, 0);
        }
        assertTrue(rate.limit() < Double.POSITIVE_INFINITY, "still limited while the loop is strained");
    }

    @Test
    void overloadedFromTheFirstRequest_stillFindsARate() {
        Process p = new Process();
        AdmissionRate rate = oneCore(); // no calm window to learn from
        offer(rate, p, 10_000, 3_000);
        long cpu0 = p.cpu;
        int admitted = offer(rate, p, 10_000, 2_000);
        assertTrue(admitted > 2 * 2_000, "answers most of what the budget allows: " + admitted);
        assertTrue((p.cpu - cpu0) / 2e9 <= 0.95, "keeps up: " + (p.cpu - cpu0) / 2e9);
    }

    @Test
    void aDeepBacklog_limitsAtOnce_notAtTheWindowsEnd() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        offer(rate, p, 4_000, 1_000); // ends on a window's boundary
        for (int i = 0; i < 100; i++) rate.tryAdmit(p.now + i * 100_000L);
        rate.onProbe(p.now + 20 * MS, p.cpuTicks() + 20 * MS, AdmissionRate.ENGAGE_LATE_MS * MS, true, false, 0);
        assertTrue(rate.limit() < 5_000, "limited below the 5,000/s offered, 20 ms into the window: " + rate.limit());
    }

    @Test
    void beingBehind_limitsToo() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        offer(rate, p, 4_000, 1_000);
        for (int i = 0; i < 100; i++) rate.tryAdmit(p.now + i * 100_000L);
        rate.onProbe(p.now + 20 * MS, p.cpuTicks() + 20 * MS, 31 * MS, true, true, 0); // LoopLag: three firings 30 ms late
        assertTrue(rate.limit() < 5_000, "limited: " + rate.limit());
    }

    @Test
    void aQueueOfWorkInFlight_limitsToo() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        offer(rate, p, 4_000, 1_000);
        for (int i = 0; i < 100; i++) rate.tryAdmit(p.now + i * 100_000L);
        rate.onProbe(p.now + 20 * MS, p.cpuTicks() + 20 * MS, 0, false, false, 32); // a closed loop of 32: about 6 ms of work
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
        rate.onProbe(p.now + 30 * MS, p.cpuTicks() + 30 * MS, 0, false, false, 300); // 60 ms of work waiting
        assertTrue(rate.limit() < 5_000, "limited: " + rate.limit());
    }

    @Test
    void twoLoopsWithUnequalShares_measureTheSameCosts() {
        AdmissionRate.Totals totals = new AdmissionRate.Totals();
        AdmissionRate busy = oneCore(DispatchConfig.DEFAULT_ADMISSION_TARGET, totals);
        AdmissionRate quiet = oneCore(DispatchConfig.DEFAULT_ADMISSION_TARGET, totals);
        long cpu = 0;
        for (long t = 0; t < 2_000 * MS; t += 250_000) { // 4,000/s, three in four on the busy loop
            (t / 250_000 % 4 == 0 ? quiet : busy).tryAdmit(t);
            cpu += ANSWER_NS;
            if (t % (10 * MS) == 0) {
                long ticks = cpu / (10 * MS) * (10 * MS);
                busy.onProbe(t, ticks, 0, false, false, 0);
                quiet.onProbe(t, ticks, 0, false, false, 0);
            }
        }
        assertEquals(ANSWER_NS / 1e9, busy.answerCost(), ANSWER_NS / 1e9 * 0.15);
        assertEquals(ANSWER_NS / 1e9, quiet.answerCost(), ANSWER_NS / 1e9 * 0.15, "not its own count against the whole process's CPU");
    }

    @Test
    void strainedWithoutADeepBacklog_startsNoLimit() {
        AdmissionRate rate = oneCore();
        for (long t = 10; t <= 2_000; t += 10) {
            rate.tryAdmit(t * MS);
            rate.onProbe(t * MS, t * MS, (AdmissionRate.ENGAGE_LATE_MS - 1) * MS, true, false, 0); // a closed loop saturating the core
        }
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void aClosedLoopThatGotLimited_isReleased() {
        // Limited after one deep stall; then clients that send again at once keep the core saturated
        // with fast refusals while the loop never lags: no backlog to protect, so the limit goes.
        Process p = new Process();
        AdmissionRate rate = oneCore();
        offer(rate, p, 4_000, 1_000);
        long t = p.now + 60 * MS;
        rate.tryAdmit(t - MS);
        rate.onProbe(t, p.cpuTicks(), AdmissionRate.ENGAGE_LATE_MS * MS, true, false, 0);
        assertTrue(rate.limit() < Double.POSITIVE_INFINITY, "limited");
        long cpu = p.cpuTicks();
        for (int window = 0; window < 4 * AdmissionRate.CALM_WINDOWS_TO_LIFT && rate.limit() < Double.POSITIVE_INFINITY; window++) {
            for (int i = 0; i < 1_000; i++) rate.tryAdmit(t + i * 100_000L);
            t += 100 * MS;
            cpu += 100 * MS;
            rate.onProbe(t, cpu, 0, false, false, 0);
        }
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void windowsWithoutTraffic_changeNothing() {
        // The start-up warm-up's requests do not pass the edge's admission: a late loop then is no evidence.
        AdmissionRate rate = oneCore();
        for (long t = 10; t <= 2_000; t += 10) rate.onProbe(t * MS, t * MS, 1_000 * MS, true, true, 0);
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void neverBelowTheFloor() {
        Process p = new Process();
        AdmissionRate rate = oneCore();
        offer(rate, p, 4_000, 1_000);
        offer(rate, p, 100_000, 1_000); // refusals alone would take four cores
        double floor = AdmissionRate.FLOOR_SHARE * DispatchConfig.DEFAULT_ADMISSION_TARGET / rate.answerCost();
        assertEquals(floor, rate.limit(), 1e-6, "half the capacity the answer's cost gives");
    }
}
