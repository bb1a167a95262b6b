package ai.mercury.live;

/**
 * A live write that was refused or failed; nothing of it was journaled or applied. (With a shared
 * log, an {@code UNAVAILABLE} write that the log takes after its answer is applied after all, as a
 * write in flight at a crash would be: clients retry, and writes are idempotent.)
 */
public final class LiveWriteException extends RuntimeException {
    /** {@code UNAVAILABLE}: the shared log (Kafka) did not take the write in time; it was not acknowledged. */
    public enum Reason { NOT_FOUND, NO_MODEL, JOURNAL, UNAVAILABLE, EMBEDDING, SHUTTING_DOWN, INTERNAL }

    private final Reason reason;

    public LiveWriteException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
