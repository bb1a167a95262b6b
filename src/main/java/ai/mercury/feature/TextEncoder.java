package ai.mercury.feature;

/**
 * Turns text into a fixed-width vector (all-MiniLM-L6-v2 in Mercury). The slot through which query
 * text reaches the user tower and titles reach the item tower. Implementations are thread-safe.
 */
public interface TextEncoder {
    /** The encoder's name as recorded in a bundle manifest (text_encoder.name). */
    String name();

    int dim();

    float[] embed(String text);
}
