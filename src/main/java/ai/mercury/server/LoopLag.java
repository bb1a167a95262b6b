package ai.mercury.server;

import java.util.concurrent.TimeUnit;

/**
 * Whether an event loop is behind, from the lateness of a timer it runs every
 * {@link Dispatcher#LAG_PROBE_MS}: behind once {@link #LATE_TO_BE_BEHIND} firings in a row were late by
 * more than the limit (one late firing is a GC pause or a moment of CPU steal, not a backlog), and
 * no longer as soon as one fires on time. Confined to its event loop.
 */
final class LoopLag {
    static final int LATE_TO_BE_BEHIND = 3;

    private final long maxNanos;
    private int lateInARow;
    private long lastNanos;

    /** @param maxMs lateness past which a firing counts as late; 0: never behind */
    LoopLag(long maxMs) {
        this.maxNanos = maxMs <= 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(maxMs);
    }

    void record(long lateNanos) {
        lastNanos = lateNanos;
        lateInARow = lateNanos > maxNanos ? lateInARow + 1 : 0;
    }

    boolean behind() {
        return lateInARow >= LATE_TO_BE_BEHIND;
    }

    long lastMs() {
        return TimeUnit.NANOSECONDS.toMillis(lastNanos);
    }
}
