package ai.mercury.server;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopLagTest {
    private static long ms(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void behindOnlyAfterThreeLateFiringsInARow_andBackOnTheFirstOnTimeOne() {
        LoopLag lag = new LoopLag(30);
        lag.record(ms(200)); // one GC pause
        lag.record(ms(1));
        lag.record(ms(45));
        lag.record(ms(45));
        assertFalse(lag.behind(), "a pause and two late firings are not a backlog");
        lag.record(ms(31));
        assertTrue(lag.behind());
        assertEquals(31, lag.lastMs());
        lag.record(ms(30)); // on the limit is on time
        assertFalse(lag.behind());
    }

    @Test
    void zeroTurnsItOff() {
        LoopLag lag = new LoopLag(0);
        for (int i = 0; i < 10; i++) lag.record(ms(10_000));
        assertFalse(lag.behind());
    }

    @Test
    void strainedAfterTwoFiringsLateByAThirdOfTheLimit() {
        LoopLag lag = new LoopLag(30);
        lag.record(ms(11));
        assertFalse(lag.strained(), "one late firing is a pause");
        lag.record(ms(11));
        assertTrue(lag.strained());
        assertFalse(lag.behind());
        lag.record(ms(9));
        assertFalse(lag.strained());
    }
}
