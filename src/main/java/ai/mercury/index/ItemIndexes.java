package ai.mercury.index;

import java.io.IOException;
import java.nio.file.Path;
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

    /**
     * Brute-force search with the Vector API when available (scalar otherwise). Cheap: one copy of
     * the vectors into the interleaved layout ({@link ExactIndex}); the system property
     * {@code mercury.index.exact.layout=rows} reads the rows in place instead (slower; kept for
     * benchmarks).
     */
    public static ItemIndex exact(Vectors vectors) {
        boolean rows = "rows".equals(System.getProperty("mercury.index.exact.layout"));
        return new ExactIndex(Objects.requireNonNull(vectors, "vectors"), DotKernels.best(), !rows);
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

    /**
     * Builds an HNSW graph over {@code vectors} with {@code params} and writes it to {@code file}
     * in the {@code index.hnsw} format (through a temporary sibling and an atomic rename).
     */
    public static void writeHnsw(Vectors vectors, IndexParams params, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (ItemIndex index = hnsw(vectors, params)) {
            HnswIndexFile.write((HnswItemIndex) index, file);
        }
    }

    /**
     * Writes an HNSW index built by {@link #hnsw} or {@link #loadHnsw} to {@code file}; see
     * {@link #writeHnsw}. An index that has taken live adds throws {@link IllegalStateException}.
     */
    public static void save(ItemIndex index, Path file) throws IOException {
        if (!(index instanceof HnswItemIndex h)) {
            throw new IllegalArgumentException("only an HNSW index can be saved, got " + index.kind());
        }
        HnswIndexFile.write(h, Objects.requireNonNull(file, "file"));
    }

    /**
     * Reads a prebuilt HNSW graph written by {@link #writeHnsw} and returns it as an index over
     * {@code vectors}, after checking that it was built from exactly these vectors (a CRC32C per row)
     * with {@code params.m()} and {@code params.efConstruction()} and that it passes a recall
     * probe against exact search. Searches use {@code params.ef()}. Costs a read of the file and
     * one pass over the vectors: far less than {@link #hnsw}.
     *
     * @throws IndexFileException when the file is unreadable, of another format (reason
     *                            {@code old_format} for a format-1 file), built with other
     *                            parameters or over other vectors, or corrupt; build instead
     */
    public static ItemIndex loadHnsw(Path file, Vectors vectors, IndexParams params) throws IndexFileException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(vectors, "vectors");
        Objects.requireNonNull(params, "params");
        return HnswIndexFile.read(file, vectors, params);
    }

    /** What {@link #guide} did: how many sample queries, links and items with links, and how long it took. */
    public record GuideSummary(int samples, int links, int itemsLinked, long millis) {}

    /**
     * Adds query-guided links to an HNSW index ({@code QueryGuidedLinks}): the result lists of
     * {@code samples} (user vectors from the bundle's user tower) become extra links between the
     * items each list holds, which lifts recall for user queries at a given ef. Returns null and
     * does nothing for an exact index. Call before the index serves.
     */
    public static GuideSummary guide(ItemIndex index, float[][] samples) {
        if (!(index instanceof HnswItemIndex h) || samples.length == 0) return null;
        long t0 = System.nanoTime();
        QueryGuidedLinks links = h.guide(samples);
        int linked = 0;
        for (int i = 0; i < links.nodes(); i++) if (links.offsets()[i + 1] > links.offsets()[i]) linked++;
        return new GuideSummary(samples.length, links.links().length, linked, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Renumbers a freshly loaded or built HNSW index in place, in breadth-first order of its links
     * (guided links included, so call after {@link #guide}): the rows a search reads next to each
     * other then sit next to each other in memory. The same answers under new ordinals, 1.2-1.5x
     * faster searches over 100k-1M items (docs/bench/index-search.md#graph-order). Returns the order
     * ({@code order[i]} is the old ordinal of new ordinal {@code i}): apply it to whatever else is
     * kept by ordinal (the catalog). The rows move <em>inside the {@link Vectors} the index was
     * built or loaded over</em>, which must be the caller's to change; no second copy is made
     * (512 MB at 1M items). Under a second at 100k items. Null, and nothing changed, for an exact
     * index or an HNSW index that has taken live writes.
     */
    public static int[] inGraphOrder(ItemIndex index) {
        return index instanceof HnswItemIndex h ? h.inGraphOrder() : null;
    }

    /** Whether {@code index} was read from a prebuilt file by {@link #loadHnsw} (rather than built). */
    public static boolean isPrebuilt(ItemIndex index) {
        return index instanceof HnswItemIndex h && h.prebuilt();
    }
}
