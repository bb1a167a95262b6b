package ai.mercury.live;

/** A live write that was refused or failed; nothing of it was journaled or applied. */
public final class LiveWriteException extends RuntimeException {
    public enum Reason { NOT_FOUND, NO_MODEL, JOURNAL, EMBEDDING, SHUTTING_DOWN, INTERNAL }

    private final Reason reason;

    public LiveWriteException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
