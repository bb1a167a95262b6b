package ai.mercury.model;

/**
 * A tower or a search produced a non-finite number (NaN or ±Infinity) for a live request: the
 * model is broken for that input, and the number must never reach a response (JSON has no
 * literal for it). Bundle validation rejects such bundles with {@code non_finite_output}; this is
 * the serving path's last line for inputs validation did not cover. Unchecked: it crosses the
 * serving path like any other failure, and the edge answers it with 500 {@code model_output_invalid}.
 */
public final class ModelOutputException extends RuntimeException {
    private final String version;

    public ModelOutputException(String version, String message) {
        super(message);
        this.version = version;
    }

    /** The model version whose output was invalid. */
    public String version() {
        return version;
    }

    /** Throws when {@code v} holds a non-finite value; {@code what} names the output ("the user tower"). */
    static void requireFinite(Snapshot s, String what, float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new ModelOutputException(s.version(), what + " of model " + s.version() + " returned a non-finite value (" + x + ")");
            }
        }
    }

    /** Throws when {@code score} is not finite. */
    static void requireFiniteScore(Snapshot s, float score) {
        if (!Float.isFinite(score)) {
            throw new ModelOutputException(s.version(), "a search on model " + s.version() + " scored an item " + score);
        }
    }
}
