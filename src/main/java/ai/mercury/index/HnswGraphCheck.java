package ai.mercury.index;

import com.github.jelmerk.knn.hnsw.HnswIndex;
import org.eclipse.collections.api.list.primitive.MutableIntList;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Structural check of a deserialized hnswlib graph: every link points at an existing node that
 * lives on that layer, no list is longer than M allows, the entry point is a node on the top
 * layer, and no node is deleted. hnswlib trusts its own files, so a link that points outside the
 * graph would otherwise surface as an {@code ArrayIndexOutOfBoundsException} in a live search.
 *
 * <p>hnswlib 1.1.2 exposes none of this: the fields are read through {@link HnswlibInternals} (a
 * renamed field fails the check, and the caller then rebuilds). One pass over the links: about
 * {@code count * 2M} ints.
 */
final class HnswGraphCheck {
    private HnswGraphCheck() {}

    static void check(HnswIndex<Integer, float[], HnswItem, Float> g, int count) throws IndexFileException {
        try {
            HnswlibInternals in = HnswlibInternals.of(g);
            int nodeCount = in.nodeCount();
            AtomicReferenceArray<?> nodes = in.nodes();
            Object entry = in.entryPoint();
            if (nodeCount != count || nodes == null || nodes.length() < nodeCount) {
                throw new IndexFileException("corrupt", "the graph has " + nodeCount + " nodes in an array of "
                        + (nodes == null ? "none" : nodes.length()) + ", the bundle " + count + " items");
            }
            int top = -1;
            for (int i = 0; i < nodeCount; i++) {
                Object node = nodes.get(i);
                if (node == null || in.id(node) != i || in.deleted(node)) {
                    throw new IndexFileException("corrupt", "node " + i + " is missing, misnumbered or deleted");
                }
                MutableIntList[] levels = in.connections(node);
                if (levels == null || levels.length == 0) throw new IndexFileException("corrupt", "node " + i + " has no layers");
                top = Math.max(top, levels.length - 1);
                for (int l = 0; l < levels.length; l++) {
                    MutableIntList links = levels[l];
                    if (links == null || links.size() > (l == 0 ? in.maxM0() : in.maxM())) {
                        throw new IndexFileException("corrupt", "node " + i + " layer " + l + " has "
                                + (links == null ? "no" : links.size()) + " links");
                    }
                    for (int k = 0; k < links.size(); k++) {
                        int j = links.get(k);
                        if (j < 0 || j >= nodeCount || j == i || in.connections(nodes.get(j)).length <= l) {
                            throw new IndexFileException("corrupt", "node " + i + " layer " + l + " links to " + j
                                    + ", which is not a node on that layer");
                        }
                    }
                }
            }
            if (count > 0 && (entry == null || nodes.get(in.id(entry)) != entry
                    || in.connections(entry).length - 1 != top)) {
                throw new IndexFileException("corrupt", "the entry point is not a node on the top layer " + top);
            }
        } catch (RuntimeException e) {
            throw new IndexFileException("corrupt", "the graph's structure cannot be checked: " + e);
        }
    }
}
