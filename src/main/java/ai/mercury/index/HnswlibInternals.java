package ai.mercury.index;

import com.github.jelmerk.knn.hnsw.HnswIndex;
import org.eclipse.collections.api.list.primitive.MutableIntList;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One hnswlib 1.1.2 graph's private fields, read reflectively: hnswlib exposes neither its links
 * nor its node numbering, which {@link HnswLayers} copies and {@link HnswGraphCheck} verifies
 * ({@link #renumber} is the one write: it relabels the items of a fresh graph).
 * The version is pinned in the pom; if a field is renamed, {@link #of} throws an
 * {@link IllegalStateException} that says so (a prebuilt file then fails its check and the index
 * is rebuilt, and that build fails loudly too).
 */
record HnswlibInternals(HnswIndex<?, ?, ?, ?> graph, int maxM, int maxM0) {
    private static final Field NODE_COUNT, MAX_M, MAX_M0, NODES, ENTRY, NODE_ID, CONNECTIONS, ITEM, DELETED, LOOKUP, DELETED_VERSIONS;
    private static final ReflectiveOperationException MISSING;

    static {
        Field[] f = new Field[11];
        ReflectiveOperationException missing = null;
        try {
            f[0] = field(HnswIndex.class, "nodeCount");
            f[1] = field(HnswIndex.class, "maxM");
            f[2] = field(HnswIndex.class, "maxM0");
            f[3] = field(HnswIndex.class, "nodes");
            f[4] = field(HnswIndex.class, "entryPoint");
            Class<?> node = Class.forName(HnswIndex.class.getName() + "$Node");
            f[5] = field(node, "id");
            f[6] = field(node, "connections");
            f[7] = field(node, "item");
            f[8] = field(node, "deleted");
            f[9] = field(HnswIndex.class, "lookup");
            f[10] = field(HnswIndex.class, "deletedItemVersions");
        } catch (ReflectiveOperationException e) {
            missing = e;
        }
        NODE_COUNT = f[0];
        MAX_M = f[1];
        MAX_M0 = f[2];
        NODES = f[3];
        ENTRY = f[4];
        NODE_ID = f[5];
        CONNECTIONS = f[6];
        ITEM = f[7];
        DELETED = f[8];
        LOOKUP = f[9];
        DELETED_VERSIONS = f[10];
        MISSING = missing;
    }

    static HnswlibInternals of(HnswIndex<?, ?, ?, ?> graph) {
        if (MISSING != null) throw new IllegalStateException("hnswlib's internals are not those of 1.1.2: " + MISSING, MISSING);
        return new HnswlibInternals(graph, getInt(MAX_M, graph), getInt(MAX_M0, graph));
    }

    int nodeCount() {
        return getInt(NODE_COUNT, graph);
    }

    /** hnswlib's node array (its length is the graph's capacity); null entries are free slots. */
    AtomicReferenceArray<?> nodes() {
        return (AtomicReferenceArray<?>) get(NODES, graph);
    }

    /** Node {@code id}, or null when there is none. */
    Object node(int id) {
        AtomicReferenceArray<?> nodes = nodes();
        return nodes != null && id < nodes.length() ? nodes.get(id) : null;
    }

    Object entryPoint() {
        return get(ENTRY, graph);
    }

    /** A node's id: its index in {@link #nodes()}, in insertion order. */
    int id(Object node) {
        return getInt(NODE_ID, node);
    }

    /** The ordinal of the item a node holds (its id in hnswlib's item map). */
    int ordinal(Object node) {
        return ((HnswItem) get(ITEM, node)).id();
    }

    boolean deleted(Object node) {
        return (Boolean) get(DELETED, node);
    }

    /** A node's link lists, one per layer (index 0 = the bottom layer); hnswlib guards them with the node's monitor. */
    MutableIntList[] connections(Object node) {
        return (MutableIntList[]) get(CONNECTIONS, node);
    }

    /**
     * Gives every item a new ordinal, {@code newOrdinal[old]}, keeping its vector and the links
     * (which hnswlib keeps by node id, not by ordinal): swaps each node's {@link HnswItem} and
     * rebuilds hnswlib's ordinal-to-node map. Only for a graph nothing else uses meanwhile, with no
     * removed item (whose remembered versions would keep the old ordinals).
     */
    @SuppressWarnings("unchecked")
    void renumber(int[] newOrdinal) {
        if (!((org.eclipse.collections.api.map.primitive.MutableObjectLongMap<?>) get(DELETED_VERSIONS, graph)).isEmpty()) {
            throw new IllegalStateException("the graph has removed items; only a fresh graph can be renumbered");
        }
        var lookup = (org.eclipse.collections.api.map.primitive.MutableObjectIntMap<Integer>) get(LOOKUP, graph);
        lookup.clear();
        AtomicReferenceArray<?> nodes = nodes();
        for (int id = 0, count = nodeCount(); id < count; id++) {
            Object node = nodes.get(id);
            if (node == null) continue;
            HnswItem item = (HnswItem) get(ITEM, node);
            HnswItem renamed = new HnswItem(newOrdinal[item.id()], item.vector(), item.version());
            try {
                ITEM.set(node, renamed);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            lookup.put(renamed.id(), id);
        }
    }

    /** The fields are made accessible in the static initialiser, so an access failure is a bug, not an input. */
    private static Object get(Field f, Object target) {
        try {
            return f.get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int getInt(Field f, Object target) {
        try {
            return f.getInt(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
