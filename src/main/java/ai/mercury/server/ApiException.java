package ai.mercury.server;

/**
 * A request that cannot be served, with the HTTP status and the JSON body
 * {@code {"error": code, "message": message}} the one failure handler sends for it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message, null, false, false); // control flow, not a bug: no stack trace
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
