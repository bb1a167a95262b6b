package ai.mercury.live;

import java.util.concurrent.CompletableFuture;

/**
 * A shared, ordered log of live item writes that several replicas follow (Apache Kafka, in the
 * {@code replication} package). With one, {@link LiveItems} keeps no local journal: an accepted
 * write is appended here, and every replica, the one that took the write included, applies it when
 * it comes back from the log ({@link LiveItems#applyFromLog}), through the same code that applies a
 * journaled write.
 */
public interface SharedItemLog {
    /**
     * Hands {@code write} (its {@code seq} is 0: the log assigns it) to the log. Completes with the
     * write's sequence (its position in the log, 1 and up) once the log durably holds it, or
     * exceptionally when the log did not take it. Must not block for long: the caller is the
     * live-item writer thread.
     */
    CompletableFuture<Long> append(ItemWrite write);

    /** False while the log is known to be unreachable: writes then answer "unavailable" at once instead of waiting. */
    boolean writable();
}
