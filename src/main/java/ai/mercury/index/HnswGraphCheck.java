package ai.mercury.index;

import com.github.jelmerk.knn.hnsw.HnswIndex;
import org.eclipse.collections.api.list.primitive.MutableIntList;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Structural check of a deserialized hnswlib graph: every link points at an existing node that
 * lives on that layer, no list is longer than M allows, the entry point is a node on the top
 * layer, and no node is deleted. hnswlib trusts its own files, so a link that points outside the
 * graph would otherwise surface as an {@code ArrayIndexOutOfBoundsException} in a live search.
 *
 * <p>hnswlib 1.1.2 exposes none of this, so the fields are read reflectively (pinned to that
 * version by the pom; a renamed field fails the check, and the caller then rebuilds). One pass over
 * the links: about {@code count * 2M} ints.
 */
final class HnswGraphCheck {
    private HnswGraphCheck() {}

    static void check(HnswIndex<Integer, float[], HnswItem, Float> g, int count) throws IndexFileException {
        try {
            int nodeCount = (Integer) field(HnswIndex.class, "nodeCount").get(g);
            int maxM = (Integer) field(HnswIndex.class, "maxM").get(g);
            int maxM0 = (Integer) field(HnswIndex.class, "maxM0").get(g);
            AtomicReferenceArray<?> nodes = (AtomicReferenceArray<?>) field(HnswIndex.class, "nodes").get(g);
            Object entry = field(HnswIndex.class, "entryPoint").get(g);
            if (nodeCount != count || nodes == null || nodes.length() < nodeCount) {
                throw new IndexFileException("corrupt", "the graph has " + nodeCount + " nodes in an array of "
                        + (nodes == null ? "none" : nodes.length()) + ", the bundle " + count + " items");
            }
            Class<?> nodeClass = Class.forName(HnswIndex.class.getName() + "$Node");
            Field idF = field(nodeClass, "id");
            Field connF = field(nodeClass, "connections");
            Field deletedF = field(nodeClass, "deleted");
            int top = -1;
            for (int i = 0; i < nodeCount; i++) {
                Object node = nodes.get(i);
                if (node == null || idF.getInt(node) != i || deletedF.getBoolean(node)) {
                    throw new IndexFileException("corrupt", "node " + i + " is missing, misnumbered or deleted");
                }
                MutableIntList[] levels = (MutableIntList[]) connF.get(node);
                if (levels == null || levels.length == 0) throw new IndexFileException("corrupt", "node " + i + " has no layers");
                top = Math.max(top, levels.length - 1);
                for (int l = 0; l < levels.length; l++) {
                    MutableIntList links = levels[l];
                    if (links == null || links.size() > (l == 0 ? maxM0 : maxM)) {
                        throw new IndexFileException("corrupt", "node " + i + " layer " + l + " has "
                                + (links == null ? "no" : links.size()) + " links");
                    }
                    for (int k = 0; k < links.size(); k++) {
                        int j = links.get(k);
                        if (j < 0 || j >= nodeCount || j == i || ((MutableIntList[]) connF.get(nodes.get(j))).length <= l) {
                            throw new IndexFileException("corrupt", "node " + i + " layer " + l + " links to " + j
                                    + ", which is not a node on that layer");
                        }
                    }
                }
            }
            if (count > 0 && (entry == null || nodes.get(idF.getInt(entry)) != entry
                    || ((MutableIntList[]) connF.get(entry)).length - 1 != top)) {
                throw new IndexFileException("corrupt", "the entry point is not a node on the top layer " + top);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IndexFileException("corrupt", "the graph's structure cannot be checked: " + e);
        }
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
