package ai.mercury.index;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import org.eclipse.collections.api.list.primitive.MutableIntList;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The bulk build: jelmerk hnswlib-core 1.1.2 links the rows on every processor, then its links
 * are copied once into {@link HnswLayers} and the hnswlib graph is dropped. The only place
 * Mercury touches hnswlib, and the only reflection on it: hnswlib exposes neither its links nor
 * its node numbering, so five private fields are read here, right after the build and never
 * again. Loading an {@code index.hnsw}, searching and live inserts use none of this.
 *
 * <p>The version is pinned in the pom; if a field is renamed, {@link #build} throws an
 * {@link IllegalStateException} that says so. Stateless.
 */
final class HnswlibBuild {
    private static final Field NODE_COUNT, NODES, ENTRY, CONNECTIONS, ITEM;
    private static final ReflectiveOperationException MISSING;

    static {
        Field[] f = new Field[5];
        ReflectiveOperationException missing = null;
        try {
            f[0] = field(HnswIndex.class, "nodeCount");
            f[1] = field(HnswIndex.class, "nodes");
            f[2] = field(HnswIndex.class, "entryPoint");
            Class<?> node = Class.forName(HnswIndex.class.getName() + "$Node");
            f[3] = field(node, "connections");
            f[4] = field(node, "item");
        } catch (ReflectiveOperationException | RuntimeException e) {
            missing = e instanceof ReflectiveOperationException r ? r : new ReflectiveOperationException(e);
        }
        NODE_COUNT = f[0];
        NODES = f[1];
        ENTRY = f[2];
        CONNECTIONS = f[3];
        ITEM = f[4];
        MISSING = missing;
    }

    private HnswlibBuild() {}

    /** hnswlib's graph over {@code vectors} with {@code params}' M and efConstruction, built on {@code threads} threads. */
    static HnswIndex<Integer, float[], HnswItem, Float> graph(Vectors vectors, IndexParams params, int threads) {
        HnswIndex<Integer, float[], HnswItem, Float> graph = HnswIndex
                .newBuilder(vectors.dim(), DistanceFunctions.FLOAT_INNER_PRODUCT, Math.max(1, vectors.count()))
                .withM(params.m())
                .withEfConstruction(params.efConstruction())
                .withEf(params.ef())
                .build();
        List<HnswItem> items = new ArrayList<>(vectors.count());
        for (int i = 0; i < vectors.count(); i++) items.add(new HnswItem(i, vectors.row(i)));
        try {
            graph.addAll(items, Math.max(1, threads), (done, max) -> { }, Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the HNSW index", e);
        }
        return graph;
    }

    /** Builds as {@link #graph} does and returns the links as layers with room for {@code capacity} nodes. */
    static HnswLayers build(Vectors vectors, IndexParams params, int threads, int capacity) {
        return layersOf(graph(vectors, params, threads), params.m(), capacity);
    }

    /**
     * hnswlib's links, translated to item ordinals (hnswlib numbers nodes in insertion order, which
     * a multi-threaded build does not keep), in layers with room for {@code capacity} nodes.
     * Upper layers hold at most {@code m} links and layer 0 at most {@code 2m}, as hnswlib's do.
     */
    static HnswLayers layersOf(HnswIndex<Integer, float[], HnswItem, Float> graph, int m, int capacity) {
        if (MISSING != null) throw new IllegalStateException("hnswlib's internals are not those of 1.1.2: " + MISSING, MISSING);
        int maxM0 = 2 * m;
        int count = getInt(NODE_COUNT, graph);
        AtomicReferenceArray<?> nodes = (AtomicReferenceArray<?>) get(NODES, graph);
        int[] nodeToOrdinal = new int[count];
        for (int id = 0; id < count; id++) nodeToOrdinal[id] = ((HnswItem) get(ITEM, nodes.get(id))).id();
        HnswLayers layers = HnswLayers.empty(m, maxM0, Math.max(capacity, count));
        HnswLayers.State s = layers.state();
        for (int id = 0; id < count; id++) {
            Object node = nodes.get(id);
            int ordinal = nodeToOrdinal[id];
            MutableIntList[] levels = (MutableIntList[]) get(CONNECTIONS, node);
            copyList(levels[0], maxM0, nodeToOrdinal, s.level0(), ordinal * (maxM0 + 1));
            if (levels.length > 1) {
                int[] up = new int[(levels.length - 1) * (m + 1)];
                for (int l = 1; l < levels.length; l++) copyList(levels[l], m, nodeToOrdinal, up, (l - 1) * (m + 1));
                s.upper()[ordinal] = up;
            }
        }
        Object entry = get(ENTRY, graph);
        if (entry != null) {
            layers.publishEntry(((HnswItem) get(ITEM, entry)).id(), ((MutableIntList[]) get(CONNECTIONS, entry)).length - 1);
        }
        return layers;
    }

    private static void copyList(MutableIntList links, int max, int[] nodeToOrdinal, int[] to, int base) {
        int n = Math.min(links.size(), max);
        for (int k = 0; k < n; k++) to[base + 1 + k] = nodeToOrdinal[links.get(k)];
        to[base] = n;
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
