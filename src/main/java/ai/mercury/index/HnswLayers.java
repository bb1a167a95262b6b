package ai.mercury.index;

import java.util.Arrays;

/**
 * An HNSW graph as flat int arrays, and the HNSW search over them: the form Mercury serves, writes
 * to {@code index.hnsw} ({@link HnswIndexFile}) and inserts into live ({@link HnswInserter}).
 *
 * <p>Why our own: hnswlib-core 1.1.2 searches with boxed {@code Float} distances, a {@code PriorityQueue}
 * of objects, a lock per visited node and a pooled visited set that blocks when more searches
 * run than there are processors: 0.8-1.4 ms per top-100 search at 128 dimensions over 100k items
 * (docs/bench/load-100k.md). hnswlib only bulk-builds the graph ({@link HnswlibBuild} copies its
 * links here once and drops it); this class searches them with primitive heaps, a pooled
 * visited stamp array and the SIMD dot kernel over the {@link RowStore}'s rows. Same algorithm
 * (greedy descent on the upper layers, best-first search with {@code max(ef, k)} candidates on
 * layer 0, removed nodes kept as waypoints but never returned), so it answers as hnswlib does.
 *
 * <p>Layout: layer 0 is one {@code int[]} with a fixed stride of {@code maxM0 + 1} per node (the
 * count, then the links); the few nodes with upper layers (about 1 in M) have an {@code int[]} of
 * their own with stride {@code maxM + 1} per layer. Node ids are the index's ordinals. Optional
 * {@link QueryGuidedLinks} add links on layer 0 that the search follows like hnswlib's.
 *
 * <p>Concurrency: one writer ({@link HnswInserter}, {@link #grow}, {@link #publishEntry}, called
 * by the index's single writer), any number of readers without locks.
 * A reader takes one {@link State}; a link it reads may be mid-update (a list being rewritten in
 * place), which can only make it see an older or newer valid neighbour, and every link is bounds-
 * checked against the reader's row count, so a search never reads outside the rows it knows.
 * Growth copies into larger arrays and publishes them through the volatile state.
 */
final class HnswLayers {

    /** The published view of the links: node ids in {@code [0, capacity)}. */
    record State(int[] level0, int[][] upper, int capacity, int entryPoint, int topLevel) {}

    private final int maxM;
    private final int maxM0;
    private volatile State state;
    private volatile QueryGuidedLinks guided = QueryGuidedLinks.NONE;

    /**
     * Layers over the given arrays: {@code level0} holds {@code capacity} blocks of
     * {@code maxM0 + 1} ints, {@code upper[i]} node {@code i}'s upper layers ({@code level(i)}
     * blocks of {@code maxM + 1} ints) or null. The caller hands the arrays over.
     */
    HnswLayers(int maxM, int maxM0, int[] level0, int[][] upper, int entryPoint, int topLevel) {
        int capacity = upper.length;
        if (level0.length != Math.multiplyExact(capacity, maxM0 + 1)) {
            throw new IllegalArgumentException("layer 0 holds " + level0.length + " ints, " + capacity + " nodes need "
                    + (long) capacity * (maxM0 + 1));
        }
        this.maxM = maxM;
        this.maxM0 = maxM0;
        this.state = new State(level0, upper, capacity, entryPoint, topLevel);
    }

    /** Empty layers with room for {@code capacity} nodes. */
    static HnswLayers empty(int maxM, int maxM0, int capacity) {
        return new HnswLayers(maxM, maxM0, new int[Math.multiplyExact(capacity, maxM0 + 1)], new int[capacity][], -1, -1);
    }

    /** The top layer of node {@code node} in {@code s} (0 for a node on layer 0 only). */
    int level(State s, int node) {
        int[] up = s.upper[node];
        return up == null ? 0 : up.length / (maxM + 1);
    }

    /** Publishes a new entry point and top layer (the writer's; after the node's links are in place). */
    void publishEntry(int entryPoint, int topLevel) {
        State s = state;
        state = new State(s.level0, s.upper, s.capacity, entryPoint, topLevel);
    }

    /**
     * Installs extra layer-0 links learned from sample queries (see {@link QueryGuidedLinks});
     * searches that start afterwards expand them with each node's own links.
     */
    void guide(QueryGuidedLinks links) {
        guided = links;
    }

    QueryGuidedLinks guided() {
        return guided;
    }

    /**
     * Nodes {@code [0, count)} in breadth-first order from the entry point, over layer 0's links and
     * then the guided ones (the links a user query follows); nodes it does not reach follow, each
     * starting a new search in ordinal order. {@code order[i]} is the node that goes to place
     * {@code i}. Searches that read rows in this order touch neighbouring memory: 1.2-1.5x faster
     * over 100k-1M items (docs/bench/index-search.md#graph-order). The writer's alone.
     */
    int[] breadthFirstOrder(int count) {
        State s = state;
        int stride = maxM0 + 1;
        QueryGuidedLinks g = guided;
        int[] order = new int[count];
        boolean[] placed = new boolean[count];
        int head = 0, tail = 0, scan = 0;
        int start = s.entryPoint >= 0 && s.entryPoint < count ? s.entryPoint : 0;
        while (tail < count) {
            while (placed[scan]) scan++;
            if (placed[start]) start = scan;
            placed[start] = true;
            order[tail++] = start;
            while (head < tail) {
                int c = order[head++];
                for (int j = 0, n = Math.min(s.level0[c * stride], maxM0); j < n; j++) {
                    int nb = s.level0[c * stride + 1 + j];
                    if (nb >= 0 && nb < count && !placed[nb]) {
                        placed[nb] = true;
                        order[tail++] = nb;
                    }
                }
                if (c < g.nodes()) {
                    for (int j = g.offsets()[c], end = g.offsets()[c + 1]; j < end; j++) {
                        int nb = g.links()[j];
                        if (nb < count && !placed[nb]) {
                            placed[nb] = true;
                            order[tail++] = nb;
                        }
                    }
                }
            }
        }
        return order;
    }

    /**
     * Renames node {@code order[i]} to {@code i} ({@code newId} is the inverse) in place: the link
     * values, the layer-0 blocks, the upper layers, the entry point and the guided links. Only
     * before the layers serve.
     */
    void renumber(int[] order, int[] newId) {
        State s = state;
        int n = order.length, stride = maxM0 + 1;
        int[] l0 = s.level0;
        for (int node = 0; node < n; node++) {
            for (int j = 0, base = node * stride, count = l0[base]; j < count; j++) l0[base + 1 + j] = newId[l0[base + 1 + j]];
        }
        Permutations.permuteBlocks(l0, stride, order);
        int[][] upper = new int[s.capacity][];
        for (int i = 0; i < n; i++) {
            int[] up = s.upper[order[i]];
            if (up != null) {
                for (int b = 0; b < up.length; b += maxM + 1) {
                    for (int j = 0; j < up[b]; j++) up[b + 1 + j] = newId[up[b + 1 + j]];
                }
            }
            upper[i] = up;
        }
        if (guided != QueryGuidedLinks.NONE) guided = guided.renumbered(order, newId);
        state = new State(l0, upper, s.capacity, s.entryPoint < 0 ? -1 : newId[s.entryPoint], s.topLevel);
    }

    /** The published links, for tests and probes ({@code SearchVariantsProbe}); never mutate. */
    State state() {
        return state;
    }

    int maxM() {
        return maxM;
    }

    int maxM0() {
        return maxM0;
    }

    /** Reallocates for {@code capacity} nodes (the writer's, when a live insert finds no room). */
    void grow(int capacity) {
        State s = state;
        if (capacity <= s.capacity) return;
        state = new State(Arrays.copyOf(s.level0, Math.multiplyExact(capacity, maxM0 + 1)),
                Arrays.copyOf(s.upper, capacity), capacity, s.entryPoint, s.topLevel);
    }

    /**
     * The {@code k} best live rows for {@code query} by dot product: HNSW search with
     * {@code max(ef, k)} candidates on layer 0 over {@code rows}; ties by lower ordinal.
     */
    SearchResult search(RowStore rowStore, DotKernel kernel, float[] query, int k, int ef) {
        State s = state;
        RowStore.State rows = rowStore.state(); // after the links: every node they name has its row
        int ep = s.entryPoint;
        int limit = Math.min(rows.count(), s.capacity);
        if (ep < 0 || ep >= limit) return SearchResult.EMPTY;
        Scratch w = Scratch.take(limit, Math.max(ef, k));
        try {
            return search(s, rows, kernel, query, k, ef, ep, limit, w);
        } finally {
            Scratch.release(w);
        }
    }

    private SearchResult search(State s, RowStore.State rows, DotKernel kernel, float[] query, int k, int ef,
                                int ep, int limit, Scratch w) {
        int dim = query.length;
        float[] data = rows.data();
        int stamp = w.nextStamp();
        int[] visited = w.visited;

        // Greedy descent through the upper layers.
        float epScore = kernel.dot(data, ep * dim, query, dim);
        for (int level = s.topLevel; level >= 1; level--) {
            boolean moved = true;
            while (moved) {
                moved = false;
                int[] up = s.upper[ep];
                int b = (level - 1) * (maxM + 1);
                if (up == null || b >= up.length) break;
                int n = Math.min(up[b], maxM);
                for (int j = 0; j < n; j++) {
                    int nb = up[b + 1 + j];
                    if (nb < 0 || nb >= limit) continue;
                    float sc = kernel.dot(data, nb * dim, query, dim);
                    if (sc > epScore) {
                        epScore = sc;
                        ep = nb;
                        moved = true;
                    }
                }
            }
        }

        // Best-first search of layer 0: candidates (best first: negated scores), results (worst first, size ef).
        int width = Math.max(ef, k);
        Heap cand = w.candidates;
        Heap res = w.results;
        cand.clear();
        res.clear();
        visited[ep] = stamp;
        cand.push(-epScore, ep);
        if (!rows.isRemoved(ep)) res.push(epScore, ep);
        int[] l0 = s.level0;
        int stride = maxM0 + 1;
        QueryGuidedLinks g = guided;
        int[] gl = g.links();
        int[] gOff = g.offsets();
        int gNodes = g.nodes();
        int[] batch = w.batch(maxM0 + QueryGuidedLinks.DEGREE);
        float[] batchScores = w.batchScores;
        while (cand.size > 0) {
            float best = -cand.topScore();
            if (res.size >= width && best < res.topScore()) break;
            int c = cand.topId();
            cand.pop();
            int base = c * stride;
            int n = Math.min(l0[base], maxM0);
            // Gather the unvisited neighbours, score them in one tight loop (their rows' cache
            // misses overlap), then update the heaps.
            int m = 0;
            for (int j = 0; j < n; j++) {
                int nb = l0[base + 1 + j];
                if (nb < 0 || nb >= limit || visited[nb] == stamp) continue;
                visited[nb] = stamp;
                batch[m++] = nb;
            }
            if (c < gNodes) { // the query-guided links, when installed, widen the same expansion
                for (int j = gOff[c], end = gOff[c + 1]; j < end; j++) {
                    int nb = gl[j];
                    if (nb >= limit || visited[nb] == stamp) continue;
                    visited[nb] = stamp;
                    batch[m++] = nb;
                }
            }
            for (int j = 0; j < m; j++) batchScores[j] = kernel.dot(data, batch[j] * dim, query, dim);
            for (int j = 0; j < m; j++) {
                int nb = batch[j];
                float sc = batchScores[j];
                if (res.size < width || sc > res.topScore()) {
                    cand.push(-sc, nb);
                    if (!rows.isRemoved(nb)) {
                        res.push(sc, nb);
                        if (res.size > width) res.pop();
                    }
                }
            }
        }
        if (res.size == 0) return SearchResult.EMPTY;
        TopK top = new TopK(Math.min(k, res.size));
        for (int i = 0; i < res.size; i++) top.offer(res.scores[i], res.ids[i]);
        return top.drain();
    }

    /**
     * Search state, one per concurrent search: visited stamps (no clearing between searches) and
     * the heaps. Pooled rather than per thread: the stamps take 4 bytes per node (4 MB at 1M
     * items), and requests may run on any of the worker pool's ~20 threads, but only as many at
     * once as there are inference workers.
     */
    private static final class Scratch {
        private static final java.util.concurrent.ConcurrentLinkedDeque<Scratch> POOL = new java.util.concurrent.ConcurrentLinkedDeque<>();
        int[] visited = new int[0];
        int stamp;
        final Heap candidates = new Heap();
        final Heap results = new Heap();
        int[] batch = new int[0];
        float[] batchScores = new float[0];

        int[] batch(int size) {
            if (batch.length < size) {
                batch = new int[size];
                batchScores = new float[size];
            }
            return batch;
        }

        static void release(Scratch w) {
            POOL.offerFirst(w);
        }

        static Scratch take(int nodes, int width) {
            Scratch w = POOL.pollFirst();
            if (w == null) w = new Scratch();
            if (w.visited.length < nodes) {
                w.visited = new int[Math.max(nodes, w.visited.length + w.visited.length / 4)];
                w.stamp = 0;
            }
            w.candidates.ensure(width * 8 + 64);
            w.results.ensure(width + 2);
            return w;
        }

        int nextStamp() {
            if (++stamp == Integer.MAX_VALUE) {
                Arrays.fill(visited, 0);
                stamp = 1;
            }
            return stamp;
        }
    }

    /**
     * A binary min-heap of (score, id) over primitive arrays; the candidates use it as a max-heap
     * by pushing negated scores.
     */
    static final class Heap {
        float[] scores = new float[0];
        int[] ids = new int[0];
        int size;

        void ensure(int capacity) {
            if (scores.length < capacity) {
                scores = Arrays.copyOf(scores, capacity);
                ids = Arrays.copyOf(ids, capacity);
            }
        }

        void clear() {
            size = 0;
        }

        float topScore() {
            return scores[0];
        }

        int topId() {
            return ids[0];
        }

        void push(float score, int id) {
            if (size == scores.length) ensure(size * 2 + 16);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (scores[p] <= score) break;
                scores[i] = scores[p];
                ids[i] = ids[p];
                i = p;
            }
            scores[i] = score;
            ids[i] = id;
        }

        void pop() {
            float s = scores[--size];
            int id = ids[size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < size && scores[c + 1] < scores[c]) c++;
                if (s <= scores[c]) break;
                scores[i] = scores[c];
                ids[i] = ids[c];
                i = c;
            }
            scores[i] = s;
            ids[i] = id;
        }
    }
}
