package ai.mercury.train;

import java.time.Instant;
import java.util.Arrays;

/**
 * Hyperparameters and the time split of one training run, validated once. The {@code DEFAULT_}
 * constants are what {@code mercury train} uses unless told otherwise; they were chosen on the
 * October 2011 hold-out of the Online Retail fit period (see docs/training.md).
 *
 * @param embeddingDim       width of user and item vectors (learned block plus text block)
 * @param textBlockDim       width of the text block: a fixed PCA projection of the title embedding on the item
 *                           side and of the pooled history's text block (and the query) on the user side
 * @param userHidden         hidden layer widths of the user tower's MLP
 * @param itemHidden         hidden layer widths of the item tower's MLP
 * @param temperature        softmax temperature over cosine scores
 * @param batchExamples      user situations per batch (each brings all its targets, up to {@code maxTargets})
 * @param maxTargets         targets sampled per situation and epoch
 * @param learningRate       Adam step size (constant)
 * @param maxEpochs          upper bound on epochs
 * @param patience           epochs without hold-out improvement before stopping
 * @param seed               seeds initialisation, sampling and shuffling
 * @param historyCap         most recent items pooled into the history feature
 * @param contextOnlyShare   share of situations of returning users trained as context-only
 * @param firstItemShare     share of situations trained as "one item touched" (the rest: prior history)
 * @param querySlot          whether the user tower reads query text
 * @param queryShare         share of situations given the title of one of their targets as query
 * @param fitEnd             baskets at or after this instant are never read
 * @param holdoutStart       baskets in [holdoutStart, fitEnd) are the early-stopping hold-out
 * @param refit              after early stopping, train again on the whole fit period for the best epoch count
 */
public record TrainConfig(
        int embeddingDim,
        int textBlockDim,
        int[] userHidden,
        int[] itemHidden,
        double temperature,
        int batchExamples,
        int maxTargets,
        double learningRate,
        int maxEpochs,
        int patience,
        long seed,
        int historyCap,
        double contextOnlyShare,
        double firstItemShare,
        boolean querySlot,
        double queryShare,
        Instant fitEnd,
        Instant holdoutStart,
        boolean refit) {

    public static final int DEFAULT_EMBEDDING_DIM = 128;
    public static final int DEFAULT_TEXT_BLOCK_DIM = 64;
    public static final int[] DEFAULT_USER_HIDDEN = {256};
    public static final int[] DEFAULT_ITEM_HIDDEN = {256};
    public static final double DEFAULT_TEMPERATURE = 0.07;
    public static final int DEFAULT_BATCH_EXAMPLES = 256;
    public static final int DEFAULT_MAX_TARGETS = 32;
    public static final double DEFAULT_LEARNING_RATE = 2e-3;
    public static final int DEFAULT_MAX_EPOCHS = 50;
    public static final int DEFAULT_PATIENCE = 10;
    public static final long DEFAULT_SEED = 42L;
    public static final int DEFAULT_HISTORY_CAP = 50;
    public static final double DEFAULT_CONTEXT_ONLY_SHARE = 0.15;
    public static final double DEFAULT_FIRST_ITEM_SHARE = 0.3;
    public static final boolean DEFAULT_QUERY_SLOT = false;
    public static final double DEFAULT_QUERY_SHARE = 0.05;
    /**
     * The split of {@link #defaults()} (tests and probes on Online Retail only): PROTOCOL.md's test start.
     * {@code mercury train} takes the split from the dataset config ({@code ai.mercury.data.TimeSplit}).
     */
    public static final Instant DEFAULT_FIT_END = Instant.parse("2011-11-01T00:00:00Z");
    /** The hold-out start of {@link #defaults()}: the last month of Online Retail's fit period. */
    public static final Instant DEFAULT_HOLDOUT_START = Instant.parse("2011-10-01T00:00:00Z");

    public TrainConfig {
        userHidden = userHidden.clone();
        itemHidden = itemHidden.clone();
        require(embeddingDim > 0, "embedding_dim must be > 0, got " + embeddingDim);
        require(textBlockDim >= 0 && textBlockDim < embeddingDim, "the text block must be >= 0 and narrower than the embedding, got "
                + textBlockDim + " of " + embeddingDim);
        require(Arrays.stream(userHidden).allMatch(h -> h > 0), "user hidden sizes must be > 0");
        require(Arrays.stream(itemHidden).allMatch(h -> h > 0), "item hidden sizes must be > 0");
        require(temperature > 0, "temperature must be > 0, got " + temperature);
        require(batchExamples >= 2, "batch must hold at least 2 examples, got " + batchExamples);
        require(maxTargets >= 1, "max targets must be >= 1, got " + maxTargets);
        require(learningRate > 0, "learning rate must be > 0, got " + learningRate);
        require(maxEpochs >= 1, "epochs must be >= 1, got " + maxEpochs);
        require(patience >= 1, "patience must be >= 1, got " + patience);
        require(historyCap >= 1, "history cap must be >= 1, got " + historyCap);
        require(contextOnlyShare >= 0 && firstItemShare >= 0 && contextOnlyShare + firstItemShare <= 1,
                "context-only and first-item shares must be >= 0 and sum to <= 1");
        require(queryShare >= 0 && queryShare <= 1, "query share must be in [0, 1], got " + queryShare);
        require(fitEnd != null && holdoutStart != null && holdoutStart.isBefore(fitEnd), "the hold-out must start before the fit period ends");
    }

    /** The defaults of {@code mercury train}. */
    public static TrainConfig defaults() {
        return new TrainConfig(DEFAULT_EMBEDDING_DIM, DEFAULT_TEXT_BLOCK_DIM, DEFAULT_USER_HIDDEN, DEFAULT_ITEM_HIDDEN, DEFAULT_TEMPERATURE,
                DEFAULT_BATCH_EXAMPLES, DEFAULT_MAX_TARGETS, DEFAULT_LEARNING_RATE, DEFAULT_MAX_EPOCHS, DEFAULT_PATIENCE,
                DEFAULT_SEED, DEFAULT_HISTORY_CAP, DEFAULT_CONTEXT_ONLY_SHARE, DEFAULT_FIRST_ITEM_SHARE, DEFAULT_QUERY_SLOT,
                DEFAULT_QUERY_SHARE, DEFAULT_FIT_END, DEFAULT_HOLDOUT_START, true);
    }

    public TrainConfig withSplit(Instant holdout, Instant end) {
        return new TrainConfig(embeddingDim, textBlockDim, userHidden, itemHidden, temperature, batchExamples, maxTargets, learningRate,
                maxEpochs, patience, seed, historyCap, contextOnlyShare, firstItemShare, querySlot, queryShare, end, holdout, refit);
    }

    public TrainConfig withTextBlock(int dim, int textBlock) {
        return new TrainConfig(dim, textBlock, userHidden, itemHidden, temperature, batchExamples, maxTargets, learningRate,
                maxEpochs, patience, seed, historyCap, contextOnlyShare, firstItemShare, querySlot, queryShare, fitEnd, holdoutStart, refit);
    }

    @Override
    public int[] userHidden() {
        return userHidden.clone();
    }

    @Override
    public int[] itemHidden() {
        return itemHidden.clone();
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
