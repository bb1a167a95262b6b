package ai.mercury.lifecycle;

import ai.mercury.model.Snapshot;

import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What the serving lifecycle reports as it goes: swaps, rejections, leaks and live writes, plus the
 * gauges it can answer at any time. The server's metrics implement it; every method may be called
 * from the lifecycle's own threads and must not block. {@link #NONE} ignores everything (tools, tests).
 */
public interface LifecycleEvents {
    LifecycleEvents NONE = new LifecycleEvents() {};

    /** {@code s} became the serving snapshot. */
    default void modelActivated(Snapshot s) {}

    /** A bundle was validated, warmed and published, {@code nanos} after its validation began. */
    default void swapActivated(long nanos) {}

    /** A bundle was rejected with {@code reason} (a {@link ai.mercury.bundle.BundleException} reason code). */
    default void swapRejected(String reason, long nanos) {}

    /** A retired snapshot is still referenced {@code swap.leak_warn_ms} after its swap (reported once per snapshot). */
    default void snapshotLeaked() {}

    /** One live item write ({@code upsert}/{@code delete}) by outcome: created, updated, deleted, or the refusal reason. */
    default void liveWrite(String op, String outcome, long nanos) {}

    /** Gauges of the bundle side: snapshots with open native sessions, and whether a pin holds. */
    default void bindBundleGauges(IntSupplier openSnapshots, BooleanSupplier pinned) {}

    /** Gauge of the live side: items with a write in the live journal. */
    default void bindLiveGauges(IntSupplier journaledItems) {}

    /** One event written to the event log, with the model version its recommendation id names (null: none). */
    default void eventLogged(String type, String modelVersion) {}

    /** Counters of answers issued per model version (read from {@code ids} whenever a version activates). */
    default void bindRecommendationIds(ai.mercury.events.RecommendationIds ids) {}

    /** Gauges of the session store (sessions and users held) and the count of events shed because the log's writer was behind. */
    default void bindEventGauges(java.util.function.LongSupplier sessions, java.util.function.LongSupplier users, java.util.function.LongSupplier shedEvents) {}
}
