package ai.mercury.train;

import ai.mercury.train.TrainingData.Example;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns examples into the three situations the server meets and packs them into one batch of
 * plain arrays: context only (no history), one item touched (history = one item of the basket,
 * targets = the rest) and a longer history (the user's prior baskets). The situation of each
 * example is drawn anew every epoch. The softmax columns are the distinct targets of the batch
 * (in-batch negatives); a row never counts its own other targets as negatives. A batch names the
 * items it <em>touches</em> (its columns, then the other history items) and indexes everything by
 * position in that list, so a training step runs the item tower over those items only: its cost
 * follows the batch, not the catalog. Not thread-safe.
 */
final class BatchBuilder {

    /** One user situation: who (head), what they touched (history), what they bought next (targets). */
    record Situation(float[] head, int[] history, int[] targets, int queryItem) {}

    /**
     * A batch as flat row-major arrays. {@code touchedItems} are the item ordinals the batch touches: its
     * {@code columns} softmax columns first (the distinct targets), then every other history item, each
     * once. {@code pool [users × touched]} averages the history items' vectors (indexed by position in
     * {@code touchedItems}); over {@code [users × columns]}, {@code negativeMask} is 0 where a column is a
     * negative for the row and a large negative number where it is one of the row's own targets, and
     * {@code positiveWeight} is {@code 1 / (targets × users)} at the row's targets (every situation weighs
     * the same) and 0 elsewhere.
     */
    record Batch(int users, int columns, float[] head, float[] pool, float[] hasHistory, float[] query,
                 float[] hasQuery, long[] touchedItems, float[] negativeMask, float[] positiveWeight) {

        /** Number of items the batch touches: the width of {@code pool}, at least {@code columns}. */
        int touched() {
            return touchedItems.length;
        }

        /** The softmax columns' item ordinals (the first {@code columns} touched items). */
        long[] columnItems() {
            return Arrays.copyOf(touchedItems, columns);
        }
    }

    private static final float MASKED = -1e4f;

    private final TrainingData data;
    private final TrainConfig config;
    private final Random random;

    BatchBuilder(TrainingData data, TrainConfig config, Random random) {
        this.data = data;
        this.config = config;
        this.random = random;
    }

    Situation situation(Example e) {
        double r = random.nextDouble();
        int[] items = e.items();
        boolean canFirstItem = items.length >= 2;
        Situation s;
        if (e.prior().length > 0 && r >= config.contextOnlyShare() + config.firstItemShare()) {
            s = new Situation(e.head(), e.prior(), sample(items, -1), -1);
        } else {
            double firstShare = e.prior().length > 0
                    ? config.firstItemShare() / Math.max(1e-9, config.contextOnlyShare() + config.firstItemShare())
                    : 0.5;
            double r2 = e.prior().length > 0 ? r / Math.max(1e-9, config.contextOnlyShare() + config.firstItemShare()) : r;
            if (canFirstItem && r2 < firstShare) {
                int touched = items[random.nextInt(items.length)];
                s = new Situation(e.head(), new int[] {touched}, sample(items, touched), -1);
            } else {
                s = new Situation(e.head(), new int[0], sample(items, -1), -1);
            }
        }
        if (config.querySlot() && random.nextDouble() < config.queryShare()) {
            s = new Situation(s.head(), s.history(), s.targets(), s.targets()[random.nextInt(s.targets().length)]);
        }
        return s;
    }

    /** Up to {@code maxTargets} of {@code items} other than {@code except}, in random order. */
    private int[] sample(int[] items, int except) {
        int[] pool = Arrays.stream(items).filter(i -> i != except).toArray();
        for (int i = pool.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        return pool.length > config.maxTargets() ? Arrays.copyOf(pool, config.maxTargets()) : pool;
    }

    Batch batch(List<Situation> situations) {
        int users = situations.size();
        int headWidth = data.headWidth();
        int textDim = data.textDim();
        Map<Integer, Integer> positionOf = new HashMap<>();
        List<Long> touchedList = new ArrayList<>();
        for (Situation s : situations) touch(s.targets(), positionOf, touchedList);
        int columns = touchedList.size();
        // Touched items: the columns, then the history items that are not columns (their positions: positionOf).
        for (Situation s : situations) touch(s.history(), positionOf, touchedList);
        int width = touchedList.size();
        float[] head = new float[users * headWidth];
        float[] pool = new float[users * width];
        float[] hasHistory = new float[users];
        boolean query = config.querySlot();
        float[] queryText = query ? new float[users * textDim] : null;
        float[] hasQuery = query ? new float[users] : null;
        float[] negativeMask = new float[users * columns];
        float[] positiveWeight = new float[users * columns];
        float[][] text = data.itemText();
        for (int u = 0; u < users; u++) {
            Situation s = situations.get(u);
            System.arraycopy(s.head(), 0, head, u * headWidth, headWidth);
            if (s.history().length > 0) {
                float share = 1f / s.history().length;
                for (int h : s.history()) pool[u * width + positionOf.get(h)] += share;
                hasHistory[u] = 1f;
            }
            if (query && s.queryItem() >= 0) {
                System.arraycopy(text[s.queryItem()], 0, queryText, u * textDim, textDim);
                hasQuery[u] = 1f;
            }
            int[] targets = s.targets();
            for (int t : targets) {
                int c = positionOf.get(t);
                negativeMask[u * columns + c] = MASKED;
                positiveWeight[u * columns + c] = 1f / (targets.length * (float) users);
            }
        }
        long[] touched = touchedList.stream().mapToLong(Long::longValue).toArray();
        return new Batch(users, columns, head, pool, hasHistory, queryText, hasQuery, touched, negativeMask, positiveWeight);
    }

    /** Appends each of {@code items} not yet touched to {@code touched}, recording its position. */
    private static void touch(int[] items, Map<Integer, Integer> positionOf, List<Long> touched) {
        for (int item : items) {
            if (positionOf.putIfAbsent(item, touched.size()) == null) touched.add((long) item);
        }
    }
}
