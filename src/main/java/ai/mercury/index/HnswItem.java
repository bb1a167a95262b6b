package ai.mercury.index;

import com.github.jelmerk.knn.Item;

/**
 * An item in hnswlib's graph during the bulk build ({@link HnswlibBuild}): keyed by its ordinal,
 * holding its row (hnswlib keeps the {@code float[]} it is given). Exists only while a build runs;
 * nothing Mercury stores or serves holds one. Its name is what format-1 {@code index.hnsw} files
 * serialized, which is why those files broke on a rename and format 2 stores no class names.
 * The unused {@code version} component stays so that format-1 files still deserialize in the
 * measurement probe that converts them ({@code HnswFileABProbe}).
 */
record HnswItem(Integer id, float[] vector, long version) implements Item<Integer, float[]> {

    private static final long serialVersionUID = 1L;

    HnswItem(int ordinal, float[] vector) {
        this(ordinal, vector, 0L);
    }

    @Override
    public int dimensions() {
        return vector.length;
    }
}
