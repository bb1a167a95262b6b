package ai.mercury.index;

/**
 * Structural check of {@link HnswLayers} read from a file: every list is no longer than M allows
 * (2M on layer 0), every link points at another node that lives on that layer, every node's layers
 * are whole and at most {@value HnswInserter#MAX_LEVEL}, and the entry point is a node on the top
 * layer, which is the highest layer of any node. A search over layers that pass cannot index
 * outside the arrays. One pass over the links: about {@code count * 2M} ints. Stateless.
 */
final class HnswGraphCheck {
    private HnswGraphCheck() {}

    /** Checks nodes {@code [0, count)}; fails with reason {@code corrupt} naming the first fault. */
    static void check(HnswLayers layers, int count) throws IndexFileException {
        HnswLayers.State s = layers.state();
        int maxM = layers.maxM(), maxM0 = layers.maxM0();
        int[] l0 = s.level0();
        int[][] upper = s.upper();
        if (s.capacity() < count || (long) l0.length < (long) count * (maxM0 + 1)) {
            throw new IndexFileException("corrupt", "room for " + s.capacity() + " nodes, " + count + " needed");
        }
        int top = count == 0 ? -1 : 0;
        for (int i = 0; i < count; i++) {
            int[] up = upper[i];
            if (up != null && (up.length == 0 || up.length % (maxM + 1) != 0 || up.length / (maxM + 1) > HnswInserter.MAX_LEVEL)) {
                throw new IndexFileException("corrupt", "node " + i + "'s upper layers hold " + up.length + " ints, not whole lists of "
                        + (maxM + 1) + " for at most " + HnswInserter.MAX_LEVEL + " layers");
            }
            top = Math.max(top, layers.level(s, i));
        }
        for (int i = 0; i < count; i++) {
            checkList(layers, s, i, 0, l0, i * (maxM0 + 1), maxM0, count);
            int[] up = upper[i];
            for (int l = 1, levels = layers.level(s, i); l <= levels; l++) checkList(layers, s, i, l, up, (l - 1) * (maxM + 1), maxM, count);
        }
        int ep = s.entryPoint();
        if (count == 0 ? ep != -1 || s.topLevel() != -1
                : ep < 0 || ep >= count || s.topLevel() != top || layers.level(s, ep) != top) {
            throw new IndexFileException("corrupt", "the entry point " + ep + " at top layer " + s.topLevel()
                    + " is not a node on the graph's top layer " + top + " (" + count + " nodes)");
        }
    }

    private static void checkList(HnswLayers layers, HnswLayers.State s, int node, int l, int[] list, int base, int max, int count)
            throws IndexFileException {
        int n = list[base];
        if (n < 0 || n > max) {
            throw new IndexFileException("corrupt", "node " + node + " layer " + l + " has " + n + " links, at most " + max);
        }
        for (int k = 0; k < n; k++) {
            int j = list[base + 1 + k];
            if (j < 0 || j >= count || j == node || layers.level(s, j) < l) {
                throw new IndexFileException("corrupt", "node " + node + " layer " + l + " links to " + j
                        + ", which is not another node on that layer (" + count + " nodes)");
            }
        }
    }
}
