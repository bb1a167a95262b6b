package ai.mercury.lifecycle;

/**
 * An admin operation on the lifecycle that cannot be done, by kind; the HTTP edge maps the kind to
 * a status ({@code 404}, {@code 409}, {@code 500}, {@code 503}) and the code to the JSON error.
 */
public final class LifecycleException extends RuntimeException {
    /** Why: the edge answers 404, 409, 500 and 503 for them, in this order. */
    public enum Kind { UNKNOWN_VERSION, REJECTED, STATE_NOT_WRITTEN, SHUTTING_DOWN }

    private final Kind kind;

    public LifecycleException(Kind kind, String message) {
        super(message, null, false, false); // an outcome the caller reports, not a bug: no stack trace
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The JSON error code the edge sends: {@code unknown_version}, {@code bundle_rejected}, {@code internal_error}, {@code shutting_down}. */
    public String code() {
        return switch (kind) {
            case UNKNOWN_VERSION -> "unknown_version";
            case REJECTED -> "bundle_rejected";
            case STATE_NOT_WRITTEN -> "internal_error";
            case SHUTTING_DOWN -> "shutting_down";
        };
    }
}
