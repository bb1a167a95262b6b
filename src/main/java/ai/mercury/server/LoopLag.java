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
    /** Firings in a row late by a third of the limit that mean the loop is strained: the rate limit's cue ({@link AdmissionRate}). */
    static final int LATE_TO_BE_STRAINED = 2;

    private final long maxNanos;
    private int lateInARow;
    private int strainedInARow;
    private long lastNanos;

    /** @param maxMs lateness past which a firing counts as late; 0: never behind */
    LoopLag(long maxMs) {
        this.maxNanos = maxMs <= 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(maxMs);
    }

    void record(long lateNanos) {
        lastNanos = lateNanos;
        lateInARow = lateNanos > maxNanos ? lateInARow + 1 : 0;
        strainedInARow = lateNanos > maxNanos / 3 ? strainedInARow + 1 : 0;
    }

    /** Whether the loop is starting to fall behind: earlier and weaker than {@link #behind}. */
    boolean strained() {
        return strainedInARow >= LATE_TO_BE_STRAINED;
    }

    boolean behind() {
        return lateInARow >= LATE_TO_BE_BEHIND;
    }

    long lastMs() {
        return TimeUnit.NANOSECONDS.toMillis(lastNanos);
    }
}
