package ai.mercury.index;

/**
 * Keeps the {@code k} best (score, ordinal) pairs seen so far in a bounded binary min-heap over
 * primitive arrays: the root is the worst kept pair, so a candidate is compared once against it.
 * "Better" means a higher score, and on equal scores a lower ordinal. NaN scores rank below
 * everything. Not thread-safe: one instance per search.
 */
final class TopK {

    private final int capacity;
    private final float[] scores;
    private final int[] ordinals;
    private int size;

    TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        this.capacity = k;
        this.scores = new float[k];
        this.ordinals = new int[k];
    }

    int size() {
        return size;
    }

    /** Score a candidate must beat to enter once the heap is full. */
    float threshold() {
        return size < capacity ? Float.NEGATIVE_INFINITY : scores[0];
    }

    void offer(float score, int ordinal) {
        if (score != score) {
            score = Float.NEGATIVE_INFINITY;
        }
        if (size < capacity) {
            siftUp(size++, score, ordinal);
        } else if (worse(scores[0], ordinals[0], score, ordinal)) {
            siftDown(0, score, ordinal);
        }
    }

    /**
     * Offers rows {@code first .. first + n - 1} with {@code block[0 .. n-1]} as their scores, in
     * ascending ordinal order: a later row with a score equal to the root can never displace it.
     */
    void offerAscending(float[] block, int n, int first) {
        int i = 0;
        for (; i < n && size < capacity; i++) {
            offer(block[i], first + i);
        }
        float min = scores[0];
        for (; i < n; i++) {
            float s = block[i];
            if (s > min) {
                siftDown(0, s, first + i);
                min = scores[0];
            }
        }
    }

    /** Empties the heap into a result, best first. */
    SearchResult drain() {
        int n = size;
        int[] outOrd = new int[n];
        float[] outScore = new float[n];
        for (int i = n - 1; i >= 0; i--) {
            outOrd[i] = ordinals[0];
            outScore[i] = scores[0];
            size--;
            if (size > 0) {
                siftDown(0, scores[size], ordinals[size]);
            }
        }
        return new SearchResult(outOrd, outScore);
    }

    /** Whether (s1, o1) ranks below (s2, o2). */
    static boolean worse(float s1, int o1, float s2, int o2) {
        return s1 < s2 || (s1 == s2 && o1 > o2);
    }

    private void siftUp(int i, float s, int o) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(s, o, scores[parent], ordinals[parent])) {
                break;
            }
            scores[i] = scores[parent];
            ordinals[i] = ordinals[parent];
            i = parent;
        }
        scores[i] = s;
        ordinals[i] = o;
    }

    private void siftDown(int i, float s, int o) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && worse(scores[right], ordinals[right], scores[child], ordinals[child])) {
                child = right;
            }
            if (!worse(scores[child], ordinals[child], s, o)) {
                break;
            }
            scores[i] = scores[child];
            ordinals[i] = ordinals[child];
            i = child;
        }
        scores[i] = s;
        ordinals[i] = o;
    }
}
