package ai.mercury.index;

/** In-place reordering of fixed-size blocks of a primitive array, for {@link ItemIndexes#inGraphOrder}. */
final class Permutations {
    private Permutations() {}

    /**
     * Moves block {@code order[i]} of {@code array} (a primitive array of blocks of {@code stride}
     * elements) to block {@code i}, for every {@code i < order.length}, following the permutation's
     * cycles: one block of scratch and a bit per block, never a second copy of the array (at 1M
     * items of 128 floats that copy would be 512 MB). Blocks past {@code order.length} stay.
     */
    static void permuteBlocks(Object array, int stride, int[] order) {
        int n = order.length;
        Object saved = java.lang.reflect.Array.newInstance(array.getClass().getComponentType(), stride);
        java.util.BitSet done = new java.util.BitSet(n);
        for (int start = 0; start < n; start++) {
            if (done.get(start)) continue;
            done.set(start);
            if (order[start] == start) continue;
            System.arraycopy(array, start * stride, saved, 0, stride);
            int to = start;
            for (int from = order[to]; from != start; from = order[to]) {
                System.arraycopy(array, from * stride, array, to * stride, stride);
                done.set(from);
                to = from;
            }
            System.arraycopy(saved, 0, array, to * stride, stride);
        }
    }

    /** The inverse of {@code order}: {@code inverse[order[i]] = i}. */
    static int[] inverse(int[] order) {
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[order[i]] = i;
        return inverse;
    }
}
