package ai.mercury.index;

import java.util.Objects;

/**
 * Builds {@link ItemIndex}es. The returned index reads {@code vectors.data()} directly (no copy for
 * the exact index); nobody may modify that array afterwards. The caller owns and closes the index.
 */
public final class ItemIndexes {

    private ItemIndexes() {}

    /**
     * The index {@code params} asks for; {@link IndexKind#AUTO} builds the exact index when
     * {@code vectors.count() < params.exactBelow()} and HNSW otherwise.
     */
    public static ItemIndex build(Vectors vectors, IndexParams params) {
        Objects.requireNonNull(vectors, "vectors");
        Objects.requireNonNull(params, "params");
        return switch (params.resolve(vectors.count())) {
            case EXACT -> exact(vectors);
            case HNSW -> hnsw(vectors, params);
            case AUTO -> throw new AssertionError("resolve never returns AUTO");
        };
    }

    /** Brute-force search with the Vector API when available (scalar otherwise). Cheap: no build. */
    public static ItemIndex exact(Vectors vectors) {
        return new ExactIndex(Objects.requireNonNull(vectors, "vectors"), DotKernels.best());
    }

    /**
     * An HNSW graph built with every available processor; takes seconds to minutes (about
     * {@code count * efConstruction} dot products). {@code params.kind()} is ignored.
     */
    public static ItemIndex hnsw(Vectors vectors, IndexParams params) {
        Objects.requireNonNull(vectors, "vectors");
        Objects.requireNonNull(params, "params");
        return HnswItemIndex.build(vectors, params, Runtime.getRuntime().availableProcessors());
    }
}
