package ai.mercury.index;

import com.github.jelmerk.knn.Item;

/**
 * An item in the hnswlib graph: keyed by its ordinal, holding its own copy of the vector (hnswlib
 * keeps the {@code float[]} it is given). The version lets a later live update replace or
 * soft-delete an ordinal ({@code HnswIndex.remove(id, version)}).
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
