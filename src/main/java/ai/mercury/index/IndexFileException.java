package ai.mercury.index;

/**
 * A prebuilt index file that cannot be used for the bundle at hand. Not a bundle error: the caller
 * logs it and builds the index from the vectors instead. {@link #reason()} is a short code:
 * {@code unreadable}, {@code format} (not a Mercury HNSW file, or an unknown format version),
 * {@code old_format} (format version 1, hnswlib's Java serialization: valid when it was written,
 * rebuilt now),
 * {@code params} (built with another M or efConstruction than configured), {@code mismatch}
 * (another item count or dimension, or vectors that differ from the bundle's rows),
 * {@code corrupt} (a checksum, the length or the links are wrong) or {@code recall} (the graph fails the recall
 * probe).
 */
public final class IndexFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;

    public IndexFileException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
