package ai.mercury.bundle;

import java.util.Arrays;

/**
 * Merges the hybrid's candidate sources and ranks them by {@link HybridBlend}'s score. The one
 * implementation that both the trainer (choosing the weights on its hold-out) and the server run,
 * so the weights mean the same in both. Candidates:
 * <ul>
 *   <li>the model's own (the index search, with their scores), always;</li>
 *   <li>co-occurrence neighbours of the first {@value #HISTORY_FOR_NEIGHBOURS} history items: the
 *       {@code extra} best by summed count that the model did not return, scored by the model;</li>
 *   <li>the {@code extra} most popular items of the request's context value (without history: its whole
 *       list of {@link HybridSignals#POPULAR_LIST}), scored likewise;</li>
 *   <li>title neighbours ({@link TextNeighbours}) of the same history items that have no counts (new
 *       items): the {@code extra} best by summed title cosine that no other source brought, scored likewise.</li>
 * </ul>
 * A source whose weight is 0 brings no candidates (and is not read): each costs CPU per request, and a
 * candidate that nothing lifts above the model's own would only rarely reach the top.
 * Primitive arrays in a per-thread scratch space: nothing is boxed or allocated per request (but
 * the result arrays, when the caller does not bring its own). Items are addressed by the caller's
 * ordinals; {@link RowMap} maps them to the signals' bundle rows (live items have none: unknown).
 */
public final class HybridRanker {
    /** History items (most recent first) whose neighbour lists are read. */
    public static final int HISTORY_FOR_NEIGHBOURS = 30;

    /**
     * Candidates each switched-on source adds at most, in the trainer and the server alike (the weights
     * are chosen for it). Each costs a dot product and a place in the final sort on every request.
     */
    public static final int EXTRA_PER_SOURCE = 50;

    /** Model score of an ordinal; NaN when the item is gone. */
    @FunctionalInterface
    public interface OrdinalScorer {
        float score(int ordinal);
    }

    /** Item vectors by ordinal, to tell which unknown candidates are variants of known ones. */
    public interface ItemVectors {
        /** The item's vector (not modified by the caller), or null when the item is gone. */
        float[] vector(int ordinal);

        /** {@code v} · the item's vector; NaN when the item is gone. */
        float dot(float[] v, int ordinal);

        /** Rows of a matrix by ordinal (the trainer's item vectors): read, not copied. */
        static ItemVectors of(float[][] rows) {
            return new ItemVectors() {
                @Override
                public float[] vector(int ordinal) {
                    return rows[ordinal];
                }

                @Override
                public float dot(float[] v, int ordinal) {
                    float[] row = rows[ordinal];
                    float s = 0;
                    for (int d = 0; d < v.length; d++) s += v[d] * row[d];
                    return s;
                }
            };
        }
    }

    /** Known candidates (the model's first with counts, in its order) of which an unknown one may be a variant. */
    public static final int PROXY_CANDIDATES = 32;

    /** Caller ordinals ↔ signal rows; -1 when there is none. */
    public interface RowMap {
        int rowOf(int ordinal);

        int ordinalOf(int row);
    }

    /** Candidate sources, as bits of {@link Candidates#sources}: which sources proposed an entry. */
    static final byte FROM_MODEL = 1;
    static final byte FROM_COOCCURRENCE = 2;
    static final byte FROM_TEXT = 4;
    static final byte FROM_POPULARITY = 8;

    /** Identity mapping (the trainer's ordinals are the bundle's rows). */
    public static final RowMap IDENTITY = new RowMap() {
        @Override
        public int rowOf(int ordinal) {
            return ordinal;
        }

        @Override
        public int ordinalOf(int row) {
            return row;
        }
    };

    private HybridRanker() {}

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> new Scratch(1 << 12));

    /**
     * Ranks the merged candidates and writes the best {@code out.length} (or fewer) into
     * {@code outOrdinals}/{@code outScores}, best first (ties: lower ordinal).
     *
     * @param history      history ordinals, most recent first ({@code historyLen} of them are read)
     * @param contextValue {@link HybridSignals#valueIndex} of the request's context (-1: overall)
     * @param modelOrd     the model's candidates ({@code modelCount} of them) and their scores
     * @param extra        how many candidates each source with a non-zero weight adds (at most)
     * @return the number of entries written
     */
    public static int rank(HybridSignals sig, HybridBlend.Weights w, int[] history, int historyLen, int contextValue,
                           int[] modelOrd, float[] modelScore, int modelCount, OrdinalScorer scorer, ItemVectors vectors, RowMap map,
                           int extra, int[] outOrdinals, float[] outScores) {
        if (w.modelOnly() && w.unknown() == 0) return modelOnly(modelOrd, modelScore, modelCount, outOrdinals, outScores);
        Scratch s = SCRATCH.get();
        merge(s, sig, w.cooccurrence() != 0, w.text() != 0, w.popularity() != 0, history, historyLen, contextValue, modelOrd, modelScore,
                modelCount, scorer, vectors, map, extra);
        return rank(s.dense, w, s.rankScore, s.rankOrder, outOrdinals, outScores);
    }

    /**
     * The merged candidates of one query with the parts of their scores that do not depend on the
     * weights, for ranking the same query under many weights ({@link #rank(Candidates, HybridBlend.Weights, float[], long[], int[], float[])}):
     * the trainer's grid. Ranks exactly as {@link #rank(HybridSignals, HybridBlend.Weights, int[], int, int, int[], float[], int, OrdinalScorer, ItemVectors, RowMap, int, int[], float[])}
     * with any weights and the same {@code extra}: every source is merged, each entry remembers which
     * sources proposed it, and a ranking leaves out those proposed only by sources its weights switch
     * off. A compact copy: the caller keeps it.
     */
    public static Candidates candidates(HybridSignals sig, int[] history, int historyLen, int contextValue, int[] modelOrd,
                                        float[] modelScore, int modelCount, OrdinalScorer scorer, ItemVectors vectors, RowMap map, int extra) {
        Scratch s = SCRATCH.get();
        merge(s, sig, true, true, true, history, historyLen, contextValue, modelOrd, modelScore, modelCount, scorer, vectors, map, extra);
        return s.dense.copy(modelOrd, modelScore, modelCount);
    }

    /**
     * Ranks {@code c} by the blend's score into the outputs, best first (ties: lower ordinal); the one
     * scoring formula: known items get {@code model + c·log(1+cooccurrence) + p·log(1+popularity)},
     * unknown ones (no counts: new or live items) {@code model + u·}(the mean bonus of the model's own
     * known candidates), or, for a variant of a known candidate ({@link #markVariants}), the larger of
     * that and the known candidate's own bonus; both {@code + t·}(mean title cosine with the history). Entries that only
     * sources with weight 0 proposed are left out. {@code score} and {@code order} are work space of at
     * least {@code c.size()}.
     */
    public static int rank(Candidates c, HybridBlend.Weights w, float[] score, long[] order, int[] outOrdinals, float[] outScores) {
        if (w.modelOnly() && w.unknown() == 0) return modelOnly(c.modelOrd, c.modelScore, c.modelCount, outOrdinals, outScores);
        double knownSum = 0;
        int known = 0;
        float wc = w.cooccurrence();
        float wp = w.popularity();
        float wt = w.text();
        int on = FROM_MODEL | (wc != 0 ? FROM_COOCCURRENCE : 0) | (wt != 0 ? FROM_TEXT : 0) | (wp != 0 ? FROM_POPULARITY : 0);
        for (int i = 0; i < c.size; i++) {
            if (!c.counted[i]) continue;
            float b = wc * c.logCooc[i] + wp * c.logPop[i];
            score[i] = c.model[i] + b + wt * c.text[i];
            if (i < c.fromModel) {
                knownSum += b;
                known++;
            }
        }
        float unknownBonus = known == 0 ? 0 : (float) (w.unknown() * knownSum / known);
        int size = 0;
        for (int i = 0; i < c.size; i++) {
            if ((c.sources[i] & on) == 0) continue;
            // A variant holds the logs of the known item it is a variant of (merge) and ranks with it.
            if (!c.counted[i]) {
                float bonus = c.variant[i] ? Math.max(unknownBonus, wc * c.logCooc[i] + wp * c.logPop[i]) : unknownBonus;
                score[i] = c.model[i] + bonus + wt * c.text[i];
            }
            order[size++] = sortKey(score[i], c.ordinal[i]);
        }
        // A sort of a few hundred primitive keys: faster than a heap of indices into score and ordinal.
        Arrays.sort(order, 0, size);
        int n = Math.min(outOrdinals.length, size);
        for (int i = 0; i < n; i++) {
            outOrdinals[i] = (int) order[i];
            outScores[i] = scoreOf(order[i]);
        }
        return n;
    }

    /** Ascending keys = best first: the score descending (its bits made monotone, then inverted), then the ordinal ascending. */
    static long sortKey(float score, int ordinal) {
        int bits = Float.floatToRawIntBits(score);
        int monotone = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~monotone << 32) | (ordinal & 0xffffffffL);
    }

    /** The score a {@link #sortKey} holds, exactly. */
    static float scoreOf(long key) {
        int monotone = ~(int) (key >>> 32);
        return Float.intBitsToFloat(monotone ^ ((monotone >> 31) & 0x7fffffff));
    }

    /** The model alone: its own order (the index's), nothing to merge. */
    private static int modelOnly(int[] modelOrd, float[] modelScore, int modelCount, int[] outOrdinals, float[] outScores) {
        int n = Math.min(outOrdinals.length, modelCount);
        System.arraycopy(modelOrd, 0, outOrdinals, 0, n);
        System.arraycopy(modelScore, 0, outScores, 0, n);
        return n;
    }

    /**
     * How many candidates the popularity source may add: {@code extra}, or without history its whole list
     * ({@link HybridSignals#POPULAR_LIST}). Without history it is the only source beside the model, and
     * the baseline it must match (popularity by context) ranks a whole top 100: with 50 of them a blend
     * that leans on popularity stayed below that baseline where the towers' own candidates were weak
     * (docs/bench/quality-robustness.md, run 4, sample 2).
     */
    static int popularExtra(int historyLen, int extra) {
        return historyLen == 0 && extra > 0 ? Math.max(extra, HybridSignals.POPULAR_LIST) : extra;
    }

    /**
     * Merges the model's candidates and the sources switched on into {@code s.dense}: candidates in
     * insertion order (the model's first), those with a model score only. A source switched off is
     * not read (its sums stay 0); the others propose the same candidates either way (the sets of the
     * co-occurrence and title sources are disjoint: counted items against items without counts).
     */
    private static void merge(Scratch s, HybridSignals sig, boolean cooccurrence, boolean text, boolean popularity, int[] history, int historyLen,
                              int contextValue, int[] modelOrd, float[] modelScore, int modelCount, OrdinalScorer scorer, ItemVectors vectors,
                              RowMap map, int extra) {
        int hn = Math.min(historyLen, HISTORY_FOR_NEIGHBOURS);
        int popularExtra = popularExtra(historyLen, extra);
        int needed = modelCount + hn * (sig.neighbours() + sig.textNeighbours()) + extra + popularExtra + 16;
        s.reset(needed);
        for (int i = 0; i < modelCount; i++) {
            int slot = s.slot(modelOrd[i]);
            s.model[slot] = modelScore[i];
            s.sources[slot] |= FROM_MODEL;
        }
        int modelSlots = s.used;
        // Co-occurrence sums over the history's neighbour lists.
        boolean anyCooc = false;
        if (cooccurrence) {
            int nb = sig.neighbours();
            for (int hi = 0; hi < hn; hi++) {
                int row = map.rowOf(history[hi]);
                if (row < 0 || row >= sig.rows()) continue;
                for (int j = 0; j < nb; j++) {
                    int r = sig.neighbour(row, j);
                    if (r < 0) break;
                    int o = map.ordinalOf(r);
                    if (o < 0) continue;
                    s.cooc[s.slot(o)] += sig.neighbourCount(row, j);
                    anyCooc = true;
                }
            }
        }
        // The best co-occurrence candidates the model did not return, scored by the model.
        if (anyCooc && extra > 0) {
            int pending = 0;
            for (int u = modelSlots; u < s.used; u++) s.pending[pending++] = s.order[u];
            int take = Math.min(extra, pending);
            selectBest(s.pending, pending, take, s.cooc, s.keys);
            for (int i = 0; i < take; i++) {
                int slot = s.pending[i];
                s.model[slot] = scorer.score(s.keys[slot]);
                s.sources[slot] |= FROM_COOCCURRENCE;
            }
        }
        // Title cosines summed over the history's title neighbours; items without counts among them
        // (new products) become candidates, the best by summed cosine, scored by the model.
        int textHistory = 0;
        if (text && sig.textNeighbours() > 0) {
            int tn = sig.textNeighbours();
            for (int hi = 0; hi < hn; hi++) {
                int row = map.rowOf(history[hi]);
                if (row < 0 || row >= sig.rows()) continue;
                textHistory++;
                for (int j = 0; j < tn; j++) {
                    int r = sig.textNeighbour(row, j);
                    if (r < 0) break;
                    int o = map.ordinalOf(r);
                    if (o < 0) continue;
                    s.text[s.slot(o)] += sig.textSimilarity(row, j);
                }
            }
            if (textHistory > 0 && extra > 0) {
                int pending = 0;
                for (int u = modelSlots; u < s.used; u++) {
                    int slot = s.order[u];
                    if (Float.isNaN(s.model[slot]) && s.text[slot] > 0 && !counted(sig, map, s.keys[slot])) s.pending[pending++] = slot;
                }
                int take = Math.min(extra, pending);
                selectBest(s.pending, pending, take, s.text, s.keys);
                for (int i = 0; i < take; i++) {
                    int slot = s.pending[i];
                    s.model[slot] = scorer.score(s.keys[slot]);
                    s.sources[slot] |= FROM_TEXT;
                }
            }
        }
        if (popularity && popularExtra > 0) {
            int[] popular = sig.popular(contextValue);
            int added = 0;
            for (int i = 0; i < popular.length && added < popularExtra; i++) {
                int o = map.ordinalOf(popular[i]);
                if (o < 0) continue;
                int slot = s.slot(o);
                // NaN from the model itself: gone while the search ran, and gone it stays.
                if (Float.isNaN(s.model[slot]) && s.sources[slot] == 0) s.model[slot] = scorer.score(o);
                s.sources[slot] |= FROM_POPULARITY;
                added++;
            }
        }
        // Dense: what a ranking needs of each candidate, weight-independent.
        Candidates d = s.dense;
        d.ensure(s.used);
        int size = 0;
        int fromModel = 0;
        for (int u = 0; u < s.used; u++) {
            int slot = s.order[u];
            float m = s.model[slot];
            if (Float.isNaN(m)) continue;
            int o = s.keys[slot];
            int row = map.rowOf(o);
            boolean counted = row >= 0 && row < sig.rows() && sig.count(row) > 0;
            d.ordinal[size] = o;
            d.model[size] = m;
            d.counted[size] = counted;
            // Only what a switched-on source's weight multiplies (a weight of 0 times either is 0).
            float cooc = s.cooc[slot];
            d.logCooc[size] = counted && cooc > 0 ? log1p(cooc) : 0;
            d.logPop[size] = counted && popularity ? log1p(sig.popularity(row, contextValue)) : 0;
            d.text[size] = textHistory == 0 ? 0 : s.text[slot] / textHistory;
            d.variant[size] = false;
            d.sources[size] = s.sources[slot];
            size++;
            if (u < modelSlots) fromModel = size;
        }
        d.size = size;
        d.fromModel = fromModel;
        markVariants(s, vectors);
        s.ensureWork(size);
    }

    /** {@code Math.log1p} of the whole numbers below this, precomputed: counts are whole numbers (popularity is not). */
    private static final int LOG1P_TABLE = 1 << 12;
    private static final float[] LOG1P = new float[LOG1P_TABLE];

    static {
        for (int i = 0; i < LOG1P_TABLE; i++) LOG1P[i] = (float) Math.log1p(i);
    }

    /** {@code (float) Math.log1p(x)}, exactly, from the table when x is a small whole number. */
    static float log1p(float x) {
        int i = (int) x;
        return i == x && i >= 0 && i < LOG1P_TABLE ? LOG1P[i] : (float) Math.log1p(x);
    }

    /**
     * Marks the unknown entries (no counts: new or live items) that are <em>variants</em> of a known
     * model candidate, and gives them that candidate's logs. The known candidates are the model's first
     * {@link #PROXY_CANDIDATES} with counts; an unknown item's closest one by cosine of the item vectors
     * is j, and it is a variant of j when it is closer to j than any other of those known candidates
     * is: no threshold to fit, the request's own candidates set the scale. A product listed a minute
     * ago as a variant of the touched one so ranks with it, where the mean bonus alone put it below the
     * touched item's bought-together neighbours (LiveItemsDefaultBundleIT); merely similar new items
     * keep the mean rule.
     */
    private static void markVariants(Scratch s, ItemVectors vectors) {
        Candidates d = s.dense;
        int[] proxies = s.proxies;
        float[][] proxyVectors = s.proxyVectors;
        float[] norms = s.proxyNorms;
        float[] nearestOther = s.proxyNearestOther;
        int count = 0;
        for (int i = 0; i < d.fromModel && count < PROXY_CANDIDATES; i++) if (d.counted[i]) proxies[count++] = i;
        // With one known candidate there is no other to set the scale: nothing is a variant.
        if (count < 2) return;
        boolean proxiesRead = false;
        for (int u = 0; u < d.size; u++) {
            if (d.counted[u]) continue;
            float[] v = vectors.vector(d.ordinal[u]);
            if (v == null) continue;
            if (!proxiesRead) {
                // Read once per request, and only when it has an unknown candidate (the server's vectors are copies).
                for (int p = 0; p < count; p++) {
                    float[] pv = vectors.vector(d.ordinal[proxies[p]]);
                    proxyVectors[p] = pv;
                    norms[p] = pv == null ? Float.NaN : (float) Math.sqrt(vectors.dot(pv, d.ordinal[proxies[p]]));
                    nearestOther[p] = Float.NaN;
                }
                proxiesRead = true;
            }
            float norm = (float) Math.sqrt(vectors.dot(v, d.ordinal[u]));
            int best = -1;
            float bestCos = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < count; p++) {
                float cos = vectors.dot(v, d.ordinal[proxies[p]]) / (norms[p] * norm);
                if (cos > bestCos) {
                    bestCos = cos;
                    best = p;
                }
            }
            if (best < 0) continue; // every cosine NaN: the item's or the candidates' vectors are gone or zero
            if (Float.isNaN(nearestOther[best])) nearestOther[best] = nearestOther(best, count, s, vectors);
            if (!(bestCos > nearestOther[best])) continue;
            int j = proxies[best];
            d.logCooc[u] = d.logCooc[j];
            d.logPop[u] = d.logPop[j];
            d.variant[u] = true;
        }
    }

    /**
     * The largest cosine between known candidate {@code p} and any other of the first {@code count}
     * ({@code -infinity} when every other is gone), computed once per request per candidate.
     */
    private static float nearestOther(int p, int count, Scratch s, ItemVectors vectors) {
        float[] pv = s.proxyVectors[p];
        float nearest = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < count; q++) {
            if (q == p) continue;
            float cos = vectors.dot(pv, s.dense.ordinal[s.proxies[q]]) / (s.proxyNorms[q] * s.proxyNorms[p]);
            if (cos > nearest) nearest = cos;
        }
        return nearest;
    }

    private static boolean counted(HybridSignals sig, RowMap map, int ordinal) {
        int row = map.rowOf(ordinal);
        return row >= 0 && row < sig.rows() && sig.count(row) > 0;
    }

    /** A query's merged candidates, see {@link #candidates}. */
    public static final class Candidates {
        int size;
        /** Entries [0, fromModel) came from the model's own candidates. */
        int fromModel;
        int[] ordinal;
        float[] model;
        float[] logCooc;
        float[] logPop;
        /** Mean title cosine with the history (0 off the history's title neighbour lists). */
        float[] text;
        /** Whether the item has counts (a bonus of its own); otherwise it gets the unknown bonus. */
        boolean[] counted;
        /** The {@code FROM_*} bits of the sources that proposed the entry. */
        byte[] sources;
        /** Unknown entries that are variants of a known candidate (and hold its logs), see {@code markVariants}. */
        boolean[] variant;
        int[] modelOrd;
        float[] modelScore;
        int modelCount;

        Candidates(int capacity) {
            ordinal = new int[capacity];
            model = new float[capacity];
            logCooc = new float[capacity];
            logPop = new float[capacity];
            text = new float[capacity];
            counted = new boolean[capacity];
            sources = new byte[capacity];
            variant = new boolean[capacity];
        }

        void ensure(int capacity) {
            if (ordinal.length >= capacity) return;
            int c = Math.max(16, Integer.highestOneBit(capacity - 1) << 1);
            ordinal = new int[c];
            model = new float[c];
            logCooc = new float[c];
            logPop = new float[c];
            text = new float[c];
            counted = new boolean[c];
            sources = new byte[c];
            variant = new boolean[c];
        }

        Candidates copy(int[] modelOrd, float[] modelScore, int modelCount) {
            Candidates c = new Candidates(0);
            c.size = size;
            c.fromModel = fromModel;
            c.ordinal = Arrays.copyOf(ordinal, size);
            c.model = Arrays.copyOf(model, size);
            c.logCooc = Arrays.copyOf(logCooc, size);
            c.logPop = Arrays.copyOf(logPop, size);
            c.text = Arrays.copyOf(text, size);
            c.counted = Arrays.copyOf(counted, size);
            c.sources = Arrays.copyOf(sources, size);
            c.variant = Arrays.copyOf(variant, size);
            c.modelOrd = modelOrd;
            c.modelScore = modelScore;
            c.modelCount = modelCount;
            return c;
        }

        public int size() {
            return size;
        }
    }

    /**
     * Moves the {@code k} best slots of {@code slots[0..n)} by {@code value} to the front, sorted best
     * first (ties: lower key): a bounded min-heap over the slots, then a heap sort of the k kept.
     */
    public static void selectTop(int[] slots, int n, int k, float[] value, int[] keys) {
        k = Math.min(k, n);
        if (k <= 0) return;
        heapOfBest(slots, n, k, value, keys);
        // Heap sort: repeatedly move the worst to the end, leaving best first.
        for (int end = k - 1; end > 0; end--) {
            int t = slots[0];
            slots[0] = slots[end];
            slots[end] = t;
            siftDown(slots, 0, end, value, keys);
        }
    }

    /**
     * Moves the {@code k} best slots of {@code slots[0..n)} by {@code value} (ties: lower key) to the
     * front, in no particular order: {@link #selectTop} without its final sort, for a candidate set.
     */
    static void selectBest(int[] slots, int n, int k, float[] value, int[] keys) {
        k = Math.min(k, n);
        if (k > 0 && k < n) heapOfBest(slots, n, k, value, keys);
    }

    /** Makes {@code slots[0..k)} a min-heap (worst on top) of the {@code k} best of {@code slots[0..n)}. */
    private static void heapOfBest(int[] slots, int n, int k, float[] value, int[] keys) {
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(slots, i, k, value, keys);
        for (int j = k; j < n; j++) {
            if (better(slots[j], slots[0], value, keys)) {
                int t = slots[0];
                slots[0] = slots[j];
                slots[j] = t;
                siftDown(slots, 0, k, value, keys);
            }
        }
    }

    /** Min-heap by "better": the root is the worst. */
    private static void siftDown(int[] h, int i, int size, float[] value, int[] keys) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) return;
            int r = l + 1;
            int worst = r < size && better(h[l], h[r], value, keys) ? r : l;
            if (!better(h[i], h[worst], value, keys)) return;
            int t = h[i];
            h[i] = h[worst];
            h[worst] = t;
            i = worst;
        }
    }

    private static boolean better(int a, int b, float[] value, int[] keys) {
        return value[a] > value[b] || (value[a] == value[b] && keys[a] < keys[b]);
    }

    /** An open-addressing map ordinal → slot with the slots' fields, reused across requests on a thread. */
    private static final class Scratch {
        int[] keys;
        float[] model;
        float[] cooc;
        float[] text;
        byte[] sources;
        int[] order;   // slots in insertion order
        int[] pending;
        int mask;
        int used;
        final Candidates dense = new Candidates(1 << 10);
        // Work space of markVariants: the known model entries, their vectors, norms and nearest other's cosine.
        final int[] proxies = new int[PROXY_CANDIDATES];
        final float[][] proxyVectors = new float[PROXY_CANDIDATES][];
        final float[] proxyNorms = new float[PROXY_CANDIDATES];
        final float[] proxyNearestOther = new float[PROXY_CANDIDATES];
        // Work space of rank(Candidates ...): apart from order, which reset() needs.
        float[] rankScore = new float[1 << 10];
        long[] rankOrder = new long[1 << 10];

        void ensureWork(int size) {
            if (rankOrder.length >= size) return;
            rankScore = new float[size * 2];
            rankOrder = new long[size * 2];
        }

        Scratch(int capacity) {
            allocate(capacity);
        }

        private void allocate(int capacity) {
            keys = new int[capacity];
            Arrays.fill(keys, -1);
            model = new float[capacity];
            cooc = new float[capacity];
            text = new float[capacity];
            sources = new byte[capacity];
            order = new int[capacity];
            pending = new int[capacity];
            mask = capacity - 1;
            used = 0;
        }

        void reset(int entries) {
            for (int u = 0; u < used; u++) keys[order[u]] = -1;
            used = 0;
            int capacity = Integer.highestOneBit(Math.max(16, entries * 2 - 1)) << 1;
            if (capacity > keys.length) allocate(capacity);
        }

        /** The slot of {@code key}, created (model score NaN, co-occurrence and title cosine 0) when absent. */
        int slot(int key) {
            int h = (key * 0x9E3779B9) >>> 7;
            int i = h & mask;
            while (true) {
                int k = keys[i];
                if (k == key) return i;
                if (k == -1) {
                    keys[i] = key;
                    model[i] = Float.NaN;
                    cooc[i] = 0;
                    text[i] = 0;
                    sources[i] = 0;
                    order[used++] = i;
                    return i;
                }
                i = (i + 1) & mask;
            }
        }
    }
}
