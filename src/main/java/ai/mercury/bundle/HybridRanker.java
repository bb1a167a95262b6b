package ai.mercury.bundle;

import java.util.Arrays;

/**
 * Merges the hybrid's three candidate sources and ranks them by {@link HybridBlend}'s score. The one
 * implementation that both the trainer (choosing the weights on its hold-out) and the server run,
 * so the weights mean the same in both. Candidates:
 * <ul>
 *   <li>the model's own (the index search, with their scores);</li>
 *   <li>co-occurrence neighbours of the first {@value #HISTORY_FOR_NEIGHBOURS} history items: the
 *       {@code extra} best by summed count that the model did not return, scored by the model;</li>
 *   <li>the {@code extra} most popular items of the request's context value, scored likewise.</li>
 * </ul>
 * Primitive arrays in a per-thread scratch space: nothing is boxed or allocated per request (but
 * the result arrays, when the caller does not bring its own). Items are addressed by the caller's
 * ordinals; {@link RowMap} maps them to the signals' bundle rows (live items have none: unknown).
 */
public final class HybridRanker {
    /** History items (most recent first) whose neighbour lists are read. */
    public static final int HISTORY_FOR_NEIGHBOURS = 30;

    /** Model score of an ordinal; NaN when the item is gone. */
    @FunctionalInterface
    public interface OrdinalScorer {
        float score(int ordinal);
    }

    /** Caller ordinals ↔ signal rows; -1 when there is none. */
    public interface RowMap {
        int rowOf(int ordinal);

        int ordinalOf(int row);
    }

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
     * @param extra        how many co-occurrence and how many popularity candidates to add (each)
     * @return the number of entries written
     */
    public static int rank(HybridSignals sig, HybridBlend.Weights w, int[] history, int historyLen, int contextValue,
                           int[] modelOrd, float[] modelScore, int modelCount, OrdinalScorer scorer, RowMap map, int extra,
                           int[] outOrdinals, float[] outScores) {
        int want = outOrdinals.length;
        if (w.modelOnly() && w.unknown() == 0) {
            // The model alone: its own order (the index's), nothing to merge.
            int n = Math.min(want, modelCount);
            System.arraycopy(modelOrd, 0, outOrdinals, 0, n);
            System.arraycopy(modelScore, 0, outScores, 0, n);
            return n;
        }
        Scratch s = SCRATCH.get();
        int needed = modelCount + Math.min(historyLen, HISTORY_FOR_NEIGHBOURS) * sig.neighbours() + 2 * extra + 16;
        s.reset(needed);
        for (int i = 0; i < modelCount; i++) {
            int slot = s.slot(modelOrd[i]);
            s.model[slot] = modelScore[i];
        }
        int modelSlots = s.used;
        // Co-occurrence sums over the history's neighbour lists.
        boolean anyCooc = false;
        if (w.cooccurrence() != 0 || extra > 0) {
            int hn = Math.min(historyLen, HISTORY_FOR_NEIGHBOURS);
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
            selectTop(s.pending, pending, take, s.cooc, s.keys);
            for (int i = 0; i < take; i++) {
                int slot = s.pending[i];
                s.model[slot] = scorer.score(s.keys[slot]);
            }
        }
        if (extra > 0) {
            int[] popular = sig.popular(contextValue);
            int added = 0;
            for (int i = 0; i < popular.length && added < extra; i++) {
                int o = map.ordinalOf(popular[i]);
                if (o < 0) continue;
                int slot = s.slot(o);
                if (Float.isNaN(s.model[slot])) s.model[slot] = scorer.score(o);
                added++;
            }
        }
        // Bonuses: known items from their counts; unknown ones the typical bonus of the model's known candidates.
        double knownSum = 0;
        int known = 0;
        int ranked = 0;
        for (int u = 0; u < s.used; u++) {
            int slot = s.order[u];
            float m = s.model[slot];
            if (Float.isNaN(m)) continue;
            int row = map.rowOf(s.keys[slot]);
            if (row >= 0 && row < sig.rows() && sig.count(row) > 0) {
                float b = w.cooccurrence() * (float) Math.log1p(s.cooc[slot])
                        + w.popularity() * (float) Math.log1p(sig.popularity(row, contextValue));
                s.score[slot] = m + b;
                if (u < modelSlots) {
                    knownSum += b;
                    known++;
                }
            } else {
                s.score[slot] = Float.NaN; // filled below
            }
            s.pending[ranked++] = slot;
        }
        float unknownBonus = known == 0 ? 0 : (float) (w.unknown() * knownSum / known);
        for (int i = 0; i < ranked; i++) {
            int slot = s.pending[i];
            if (Float.isNaN(s.score[slot])) s.score[slot] = s.model[slot] + unknownBonus;
        }
        int n = Math.min(want, ranked);
        selectTop(s.pending, ranked, n, s.score, s.keys);
        for (int i = 0; i < n; i++) {
            int slot = s.pending[i];
            outOrdinals[i] = s.keys[slot];
            outScores[i] = s.score[slot];
        }
        return n;
    }

    /**
     * Moves the {@code k} best slots of {@code slots[0..n)} by {@code value} to the front, sorted best
     * first (ties: lower key): a bounded min-heap over the slots, then a heap sort of the k kept.
     */
    public static void selectTop(int[] slots, int n, int k, float[] value, int[] keys) {
        k = Math.min(k, n);
        if (k <= 0) return;
        // slots[0..k) becomes a min-heap (worst on top) of the best seen so far.
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(slots, i, k, value, keys);
        for (int j = k; j < n; j++) {
            if (better(slots[j], slots[0], value, keys)) {
                int t = slots[0];
                slots[0] = slots[j];
                slots[j] = t;
                siftDown(slots, 0, k, value, keys);
            }
        }
        // Heap sort: repeatedly move the worst to the end, leaving best first.
        for (int end = k - 1; end > 0; end--) {
            int t = slots[0];
            slots[0] = slots[end];
            slots[end] = t;
            siftDown(slots, 0, end, value, keys);
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
        float[] score;
        int[] order;   // slots in insertion order
        int[] pending;
        int mask;
        int used;

        Scratch(int capacity) {
            allocate(capacity);
        }

        private void allocate(int capacity) {
            keys = new int[capacity];
            Arrays.fill(keys, -1);
            model = new float[capacity];
            cooc = new float[capacity];
            score = new float[capacity];
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

        /** The slot of {@code key}, created (model score NaN, co-occurrence 0) when absent. */
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
                    order[used++] = i;
                    return i;
                }
                i = (i + 1) & mask;
            }
        }
    }
}
