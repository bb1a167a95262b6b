package ai.mercury.core;

/**
 * One named float input of a tower, {@code [batch, width]}: what the feature encoder produces and
 * the ONNX towers read. Immutable.
 */
public record TowerInput(String name, int width) {
    /** Validates that the name is non-blank and the width positive. */
    public TowerInput {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tower input name must be non-blank");
        }
        if (width <= 0) {
            throw new IllegalArgumentException("tower input '" + name + "' has width " + width + ", expected > 0");
        }
    }
}
