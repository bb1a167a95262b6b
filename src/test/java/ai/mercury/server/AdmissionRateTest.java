package ai.mercury.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rate limit, driven by a clock of our own: requests offered at a steady rate, probes every 10 ms. */
class AdmissionRateTest {
    private static final long MS = 1_000_000;

    /** Offers {@code perSecond} requests a second for {@code ms}, probing every 10 ms with {@code strained}; returns those admitted. */
    private static int offer(AdmissionRate rate, long[] clock, int perSecond, long ms, java.util.function.BooleanSupplier strained) {
        int admitted = 0;
        long gap = 1_000_000_000L / perSecond;
        long end = clock[0] + ms * MS;
        long nextProbe = clock[0] + 10 * MS;
        while (clock[0] < end) {
            clock[0] += gap;
            if (rate.tryAdmit(clock[0])) admitted++;
            while (nextProbe <= clock[0]) {
                boolean late = strained.getAsBoolean();
                rate.onProbe(nextProbe, late, late);
                nextProbe += 10 * MS;
            }
        }
        return admitted;
    }

    @Test
    void noLimitWhileTheLoopKeepsUp() {
        long[] clock = {0};
        AdmissionRate rate = new AdmissionRate(0);
        assertEquals(50_000, offer(rate, clock, 50_000, 1_000, () -> false));
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void fallingBehind_limitsToLessThanWhatWasAdmitted_thenProbesUpward_andLiftsWhenDemandFalls() {
        long[] clock = {0};
        AdmissionRate rate = new AdmissionRate(0);
        offer(rate, clock, 10_000, 95, () -> false);
        offer(rate, clock, 10_000, 10, () -> true); // the window ending at 100 ms saw the loop strained
        assertEquals(8_000, rate.limit(), 100, "80 % of the 10,000/s admitted");
        int admitted = offer(rate, clock, 10_000, 100, () -> false);
        assertTrue(admitted <= 8_000 * 0.1 + 8_000 * AdmissionRate.BURST_SECONDS + 1, "at most the limit (and its burst) in 100 ms: " + admitted);
        assertTrue(rate.limit() > 8_000, "a window on time raises it: " + rate.limit());
        // Strained again: no second cut before the first had WINDOWS_BETWEEN_CUTS windows to act, then one.
        double before = rate.limit();
        offer(rate, clock, 10_000, 100, () -> true);
        assertEquals(before, rate.limit(), 1e-9, "too soon after the last cut");
        offer(rate, clock, 10_000, 100, () -> true);
        assertTrue(rate.limit() < before * 0.85, rate.limit() + " after " + before);
        // Demand well under the limit for two seconds: no limit.
        offer(rate, clock, 100, 2_100, () -> false);
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void strainedWithoutABacklog_startsNoLimit() {
        AdmissionRate rate = new AdmissionRate(0);
        for (long t = 10; t <= 2_000; t += 10) rate.onProbe(t * MS, true, false);
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void windowsWithoutTraffic_changeNothing() {
        // The start-up warm-up's requests do not pass the edge's admission: a late loop then is no evidence.
        AdmissionRate rate = new AdmissionRate(0);
        for (long t = 10; t <= 2_000; t += 10) rate.onProbe(t * MS, true, true);
        assertEquals(Double.POSITIVE_INFINITY, rate.limit());
    }

    @Test
    void neverBelowTheFloor() {
        long[] clock = {0};
        AdmissionRate rate = new AdmissionRate(0);
        offer(rate, clock, 1_000, 10_000, () -> true);
        assertEquals(AdmissionRate.MIN_RATE, rate.limit(), 1e-9);
        int admitted = offer(rate, clock, 1_000, 1_000, () -> true);
        assertTrue(admitted >= AdmissionRate.MIN_RATE * 0.9 && admitted <= AdmissionRate.MIN_RATE * 1.1 + 1, "about the floor a second: " + admitted);
    }
}
