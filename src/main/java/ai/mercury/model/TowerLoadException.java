package ai.mercury.model;

/**
 * A tower's ONNX file could not be loaded or does not have the shape a tower must have. The message
 * names the file; the cause, when present, is the engine's own exception.
 */
public class TowerLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A failure detected by Mercury itself. */
    public TowerLoadException(String message) {
        super(message);
    }

    /** A failure reported by the engine, wrapped once. */
    public TowerLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
