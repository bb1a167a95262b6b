package ai.mercury.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.train.BatchBuilder.Batch;
import ai.mercury.train.BatchBuilder.Situation;
import ai.mercury.train.TrainingData.Example;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Trains the two towers with DJL on the PyTorch engine: in-batch sampled softmax over cosine
 * scores with a temperature and the log-Q popularity correction of Yi et al. (RecSys 2019), Adam,
 * early stopping on the hold-out's mean Recall@100, then (optionally) a refit on the whole fit
 * period for the best number of epochs. Every step runs the item tower over the items its batch
 * touches (the softmax columns and the history items), so the pooled history feature is built from
 * the item tower's outputs with their gradient, as the server builds it from {@code item_vectors.npy},
 * and a step's cost follows the batch, not the catalog. The item tower has no cross-item operation,
 * so this is the same loss and gradient as running it over the whole catalog. The hold-out
 * evaluation and the export embed the whole catalog without gradient, {@link #CATALOG_CHUNK} items
 * at a time, and score the hold-out a chunk of queries at a time, so memory stays bounded.
 */
public final class TwoTowerTrainer {
    /** The PyTorch engine's name in DJL. */
    public static final String ENGINE = "PyTorch";

    /** One epoch's record. */
    public record EpochStats(int epoch, double loss, HoldoutEvaluator.Metrics holdout, float textWeightFactor, long millis) {}

    /** The trained towers, the catalog's vectors from the exported item tower, and the run's record. */
    public record Result(TowerSpec userTower, TowerSpec itemTower, float[][] itemVectors, List<EpochStats> epochs,
                         int bestEpoch, HoldoutEvaluator.Metrics bestHoldout, float textWeightFactor, float textWeight,
                         List<EpochStats> refitEpochs, long millis, float diffuseTextWeightFactor, float textWeightRaw,
                         HoldoutEvaluator.Metrics tunedHoldout, SelectionVectors selection) {}

    /**
     * The selection model (fit before the hold-out, never the refit) as the hold-out sees it: one user
     * vector per hold-out query (rows in {@link TrainingData#holdoutQueries()} order) and the catalog's
     * item vectors. What the hybrid's weights are chosen on.
     */
    public record SelectionVectors(float[][] users, float[][] items) {}

    /**
     * Per-epoch decay of the exponential moving average of the weights that is evaluated, selected and
     * published (about the last five epochs): with a constant learning rate the weights jitter from
     * epoch to epoch, and so did the hold-out's (and the test's) first-item and cold-item recall.
     */
    static final double WEIGHT_AVERAGE_DECAY = 0.8;

    /**
     * Multipliers of the learned text weight λ tried on the hold-out: after every epoch one for all histories
     * (for early stopping), after training a pair (one touched item, diffuse history) for the published model.
     */
    static final float[] TEXT_WEIGHT_FACTORS = {0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, 8f};

    /** Items per pass of the item tower when the whole catalog is embedded (inference: hold-out, export). */
    static final int CATALOG_CHUNK = 4096;

    /** Scores held at once when the hold-out queries are scored against the catalog (16 M floats = 64 MB). */
    static final int SCORE_CHUNK_FLOATS = 1 << 24;

    private final TrainingData data;
    private final TrainConfig config;
    private final Progress progress;
    private Probe probe;
    private SelectionVectors selection;

    public TwoTowerTrainer(TrainingData data, TrainConfig config, PrintStream progressOut) {
        this.data = data;
        this.config = config;
        this.progress = new Progress(progressOut);
    }

    /**
     * The trainer's own forward pass on the final model, handed to a {@link Probe} before the
     * model's native memory is released (for parity tests).
     */
    public interface ForwardPass {
        /** Item vectors of the whole catalog. */
        float[][] items();

        /** User vectors: features as the trainer builds them, history pooled from the item vectors in PyTorch. */
        float[][] users(List<ai.mercury.feature.UserContext> users);
    }

    /** Receives the final model's forward pass. */
    @FunctionalInterface
    public interface Probe {
        void accept(ForwardPass pass);
    }

    public Result train() {
        return train(null);
    }

    public Result train(Probe probe) {
        this.probe = probe;
        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine(ENGINE);
        engine.setRandomSeed((int) config.seed());
        List<EpochStats> epochs = new ArrayList<>();
        Map<String, float[]> best;
        int bestEpoch;
        HoldoutEvaluator.Metrics bestHoldout;
        float oneItem;
        float diffuse;
        HoldoutEvaluator.Metrics tunedHoldout;
        try (NDManager manager = engine.newBaseManager()) {
            Run run = new Run(manager, e -> !e.holdout(), true, config.seed());
            best = run.model.checkpoint();
            bestEpoch = 0;
            Tuned start = tuneTextWeight(run);
            bestHoldout = start.metrics();
            progress.line("hold-out before training: " + bestHoldout);
            int stale = 0;
            WeightAverage average = new WeightAverage(run.model);
            for (int epoch = 1; epoch <= config.maxEpochs() && stale < config.patience(); epoch++) {
                long e0 = System.nanoTime();
                double loss = run.epoch(epoch, config.maxEpochs());
                average.update();
                Tuned tuned = average.apply(() -> tuneTextWeight(run));
                HoldoutEvaluator.Metrics m = tuned.metrics();
                EpochStats stats = new EpochStats(epoch, loss, m, tuned.factor(), (System.nanoTime() - e0) / 1_000_000);
                epochs.add(stats);
                boolean improved = m.score() > bestHoldout.score();
                progress.endEpoch(stats, improved);
                if (improved) {
                    best = average.snapshot();
                    bestEpoch = epoch;
                    bestHoldout = m;
                    stale = 0;
                } else {
                    stale++;
                }
            }
            run.model.restore(best);
            TunedPair pair = run.evaluatePairs();
            oneItem = pair.oneItem();
            diffuse = pair.diffuse();
            tunedHoldout = pair.metrics();
            progress.line(String.format(java.util.Locale.ROOT, "text weight x%.2f for one item, x%.2f for a diffuse history: hold-out %s",
                    oneItem, diffuse, tunedHoldout));
            run.model.setTextWeights(oneItem, diffuse);
            selection = run.selectionVectors();
            if (!config.refit() || bestEpoch == 0) {
                return finish(run, epochs, bestEpoch, bestHoldout, List.of(), t0, oneItem, diffuse, tunedHoldout);
            }
        }
        try (NDManager manager = engine.newBaseManager()) {
            progress.line("refit on the whole fit period for " + bestEpoch + " epochs (hold-out figures below include training data)");
            Run run = new Run(manager, e -> true, false, config.seed());
            List<EpochStats> refit = new ArrayList<>();
            WeightAverage average = new WeightAverage(run.model);
            for (int epoch = 1; epoch <= bestEpoch; epoch++) {
                long e0 = System.nanoTime();
                double loss = run.epoch(epoch, bestEpoch);
                average.update();
                HoldoutEvaluator.Metrics m = average.apply(run::evaluate);
                EpochStats stats = new EpochStats(epoch, loss, m, 1f, (System.nanoTime() - e0) / 1_000_000);
                refit.add(stats);
                progress.endEpoch(stats, false);
            }
            run.model.restore(average.snapshot());
            run.model.setTextWeights(oneItem, diffuse);
            return finish(run, epochs, bestEpoch, bestHoldout, refit, t0, oneItem, diffuse, tunedHoldout);
        }
    }

    private record Tuned(HoldoutEvaluator.Metrics metrics, float factor) {}

    /**
     * The multiplier whose slices are, on average, closest to their own best over the multipliers
     * (mean of recall / best recall per slice). The slices' scales differ (new items are few and hard
     * on the hold-out), and a plain mean would let the large slices decide alone.
     */
    static Tuned balanced(List<HoldoutEvaluator.Metrics> all) {
        int k = chosenIndex(all);
        return new Tuned(all.get(k), TEXT_WEIGHT_FACTORS[k]);
    }

    /** Index of the metrics whose slices are on average closest to their own best (first on ties). */
    static int chosenIndex(List<HoldoutEvaluator.Metrics> all) {
        Map<String, Double> best = new java.util.HashMap<>();
        for (HoldoutEvaluator.Metrics m : all) m.recall().forEach((k, v) -> best.merge(k, v, Math::max));
        int chosen = -1;
        double chosenScore = -1;
        for (int i = 0; i < all.size(); i++) {
            HoldoutEvaluator.Metrics m = all.get(i);
            double sum = 0;
            int n = 0;
            for (Map.Entry<String, Double> e : m.recall().entrySet()) {
                double top = best.get(e.getKey());
                if (top > 0 && m.queries().getOrDefault(e.getKey(), 0) > 0) {
                    sum += e.getValue() / top;
                    n++;
                }
            }
            double score = n == 0 ? 0 : sum / n;
            if (score > chosenScore) {
                chosenScore = score;
                chosen = i;
            }
        }
        return chosen;
    }

    private Tuned tuneTextWeight(Run run) {
        return run.evaluateTuned();
    }

    private Result finish(Run run, List<EpochStats> epochs, int bestEpoch, HoldoutEvaluator.Metrics bestHoldout,
                          List<EpochStats> refit, long t0, float oneItem, float diffuse, HoldoutEvaluator.Metrics tuned) {
        if (probe != null) probe.accept(run.forwardPass());
        TowerSpec user = run.model.userSpec();
        TowerSpec item = run.model.itemSpec();
        float[][] vectors = item.forward(data.itemInputs());
        // text_weight: the weight of one touched item's text similarity, λ·oneItem (= scale + raw).
        return new Result(user, item, vectors, epochs, bestEpoch, bestHoldout, oneItem, run.model.historyTextScale() + run.model.historyTextRaw(),
                refit, (System.nanoTime() - t0) / 1_000_000, diffuse, run.model.historyTextRaw(), tuned, selection);
    }

    /** A pair of text weight multipliers (see {@link TwoTowerModel#setTextWeights}) and its hold-out metrics. */
    record TunedPair(HoldoutEvaluator.Metrics metrics, float oneItem, float diffuse) {}

    /**
     * The pair of text weight multipliers (one touched item, diffuse history) whose hold-out slices are on
     * average closest to their own best, as {@link #balanced}; ties keep the first pair, i.e. the smaller
     * multipliers. {@code all} is indexed {@code [oneItem][diffuse]} over {@link #TEXT_WEIGHT_FACTORS}.
     */
    static TunedPair balancedPair(List<List<HoldoutEvaluator.Metrics>> all) {
        List<HoldoutEvaluator.Metrics> flat = new ArrayList<>();
        for (List<HoldoutEvaluator.Metrics> row : all) flat.addAll(row);
        int k = chosenIndex(flat);
        int width = all.get(0).size();
        return new TunedPair(flat.get(k), TEXT_WEIGHT_FACTORS[k / width], TEXT_WEIGHT_FACTORS[k % width]);
    }

    /**
     * The loss of one batch: the item tower runs over the batch's touched items only ({@link Batch#touchedItems}:
     * its softmax columns, then its other history items), the pooled history is built from those vectors with
     * their gradient, and each positive pair's softmax runs over the columns, logits reduced by {@code log q}.
     *
     * @param itemX         the whole catalog's item tower inputs, {@code [n, width]} (rows are gathered)
     * @param itemTextBlock the whole catalog's text block or null
     * @param logQ          {@code log q(item)} for the whole catalog, {@code [n]}
     */
    static NDArray sampledSoftmaxLoss(NDManager sub, TwoTowerModel model, NDArray itemX, NDArray itemTextBlock, NDArray logQ, Batch b,
                                      double temperature, int headWidth, int textDim) {
        NDIndex touched = new NDIndex("{}", sub.create(b.touchedItems()));
        NDArray vectors = model.items(itemX.get(touched), itemTextBlock == null ? null : itemTextBlock.get(touched));
        NDArray pool = sub.create(b.pool(), new Shape(b.users(), b.touched()));
        NDArray history = pool.matMul(vectors);
        NDArray head = sub.create(b.head(), new Shape(b.users(), headWidth));
        NDArray hasHistory = sub.create(b.hasHistory(), new Shape(b.users(), 1));
        NDArray query = b.query() == null ? null : sub.create(b.query(), new Shape(b.users(), textDim));
        NDArray hasQuery = b.hasQuery() == null ? null : sub.create(b.hasQuery(), new Shape(b.users(), 1));
        NDArray users = model.users(head, history, hasHistory, query, hasQuery);
        // The columns are the first touched items.
        NDArray columnVectors = vectors.get(new NDIndex("0:" + b.columns()));
        NDArray logits = users.matMul(columnVectors.transpose()).div((float) temperature)
                .sub(logQ.get(new NDIndex("{}", sub.create(b.columnItems()))).reshape(1, b.columns()));
        // Per positive pair: -log(e^l / (e^l + Σ_negatives e^n)) = softplus(lse(negatives) - l).
        NDArray negatives = logits.add(sub.create(b.negativeMask(), new Shape(b.users(), b.columns())));
        NDArray max = negatives.max(new int[] {1}, true).stopGradient();
        NDArray lse = negatives.sub(max).exp().sum(new int[] {1}, true).log().add(max);
        NDArray perPair = Activation.softPlus(lse.sub(logits));
        return perPair.mul(sub.create(b.positiveWeight(), new Shape(b.users(), b.columns()))).sum();
    }

    /**
     * The whole catalog's item vectors, row-major {@code [n × dim]}: inference without gradient,
     * {@link #CATALOG_CHUNK} items per pass, each pass's native memory released before the next.
     */
    static float[] catalogVectors(NDManager manager, TwoTowerModel model, NDArray itemX, NDArray itemTextBlock) {
        int n = (int) itemX.getShape().get(0);
        int dim = model.dim();
        float[] out = new float[n * dim];
        for (int from = 0; from < n; from += CATALOG_CHUNK) {
            int to = Math.min(n, from + CATALOG_CHUNK);
            try (NDManager chunk = manager.newSubManager()) {
                model.parameters().values().forEach(p -> p.tempAttach(chunk));
                itemX.tempAttach(chunk);
                if (itemTextBlock != null) itemTextBlock.tempAttach(chunk);
                NDIndex rows = new NDIndex(from + ":" + to);
                NDArray v = model.items(itemX.get(rows), itemTextBlock == null ? null : itemTextBlock.get(rows));
                System.arraycopy(v.toFloatArray(), 0, out, from * dim, (to - from) * dim);
            }
        }
        return out;
    }

    static float[][] rows(float[] flat, int dim) {
        float[][] m = new float[flat.length / dim][dim];
        for (int r = 0; r < m.length; r++) System.arraycopy(flat, r * dim, m[r], 0, dim);
        return m;
    }

    /** One model being fit on the examples that {@code use} accepts. */
    private final class Run {
        final NDManager manager;
        final TwoTowerModel model;
        final NDArray itemX;
        final NDArray itemTextBlock;
        final NDArray logQ;
        final List<Example> examples;
        final Random random;
        final BatchBuilder batches;
        final Optimizer optimizer;
        final HoldoutEvaluator evaluator;

        /**
         * @param use             the examples to train on
         * @param withoutHeldOut  drop the hold-out's pseudo-cold items from them (the selection run)
         */
        Run(NDManager manager, Predicate<Example> use, boolean withoutHeldOut, long seed) {
            this.manager = manager;
            this.examples = data.examples().stream().filter(use).map(e -> withoutHeldOut ? data.withoutHeldOut(e) : e)
                    .filter(java.util.Objects::nonNull).toList();
            this.random = new Random(seed);
            this.batches = new BatchBuilder(data, config, random);
            this.model = new TwoTowerModel(manager, data.spec(), data.textDim(), config, data.itemText());
            this.itemX = manager.create(concatRows(data.itemInputs().values()));
            try (NDArray text = manager.create(data.itemText())) {
                this.itemTextBlock = model.textBlock(text);
            }
            double[] counts = new double[data.itemCount()];
            double total = 0;
            for (Example e : examples) {
                for (int i : e.items()) {
                    counts[i]++;
                    total++;
                }
            }
            float[] lq = new float[counts.length];
            for (int i = 0; i < lq.length; i++) lq[i] = (float) Math.log((counts[i] + 1) / (total + counts.length));
            this.logQ = manager.create(lq);
            // A constant rate: on the Online Retail protocol a cosine decay sharpened the learned block and
            // lost first-item and cold-item recall that the hold-out selection of a noisier model keeps.
            Tracker lr = Tracker.fixed((float) config.learningRate());
            this.optimizer = Optimizer.adam().optLearningRateTracker(lr).build();
            this.evaluator = new HoldoutEvaluator(data, 100);
        }

        double epoch(int epoch, int epochs) {
            List<Example> order = new ArrayList<>(examples);
            Collections.shuffle(order, random);
            int steps = (order.size() + config.batchExamples() - 1) / config.batchExamples();
            double lossSum = 0;
            for (int step = 0; step < steps; step++) {
                List<Situation> situations = new ArrayList<>(config.batchExamples());
                for (int k = step * config.batchExamples(); k < Math.min(order.size(), (step + 1) * config.batchExamples()); k++) {
                    situations.add(batches.situation(order.get(k)));
                }
                if (situations.size() < 2) continue;
                lossSum += step(batches.batch(situations));
                progress.step(epoch, epochs, step + 1, steps, lossSum / (step + 1));
            }
            return lossSum / Math.max(1, steps);
        }

        private float step(Batch b) {
            float loss;
            Map<String, NDArray> params = model.parameters();
            try (NDManager sub = manager.newSubManager()) {
                params.values().forEach(p -> p.tempAttach(sub));
                itemX.tempAttach(sub);
                if (itemTextBlock != null) itemTextBlock.tempAttach(sub);
                logQ.tempAttach(sub);
                try (GradientCollector gc = Engine.getEngine(ENGINE).newGradientCollector()) {
                    NDArray lossArray = loss(sub, b);
                    gc.backward(lossArray);
                    loss = lossArray.getFloat();
                }
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                try (NDArray grad = e.getValue().getGradient()) {
                    optimizer.update(e.getKey(), e.getValue(), grad);
                    grad.subi(grad);
                }
            }
            return loss;
        }

        private NDArray loss(NDManager sub, Batch b) {
            return sampledSoftmaxLoss(sub, model, itemX, itemTextBlock, logQ, b, config.temperature(), data.headWidth(), data.textDim());
        }

        ForwardPass forwardPass() {
            return new ForwardPass() {
                @Override
                public float[][] items() {
                    return rows(catalogVectors(manager, model, itemX, itemTextBlock), model.dim());
                }

                @Override
                public float[][] users(List<ai.mercury.feature.UserContext> users) {
                    int n = data.itemCount();
                    int b = users.size();
                    float[] head = new float[b * data.headWidth()];
                    float[] pool = new float[b * n];
                    float[] hasHistory = new float[b];
                    float[] query = new float[b * data.textDim()];
                    float[] hasQuery = new float[b];
                    for (int u = 0; u < b; u++) {
                        ai.mercury.feature.UserContext user = users.get(u);
                        System.arraycopy(data.head(user), 0, head, u * data.headWidth(), data.headWidth());
                        int[] history = data.historyOrdinals(user);
                        for (int h : history) pool[u * n + h] += 1f / history.length;
                        hasHistory[u] = history.length > 0 ? 1f : 0f;
                        if (user.query() != null && !user.query().isBlank()) {
                            System.arraycopy(data.textEncoder().embed(user.query()), 0, query, u * data.textDim(), data.textDim());
                            hasQuery[u] = 1f;
                        }
                    }
                    float[] catalog = catalogVectors(manager, model, itemX, itemTextBlock);
                    try (NDManager sub = manager.newSubManager()) {
                        model.parameters().values().forEach(p -> p.tempAttach(sub));
                        NDArray vectors = sub.create(catalog, new Shape(n, model.dim()));
                        NDArray pooled = sub.create(pool, new Shape(b, n)).matMul(vectors);
                        boolean q = model.readsQuery();
                        return TwoTowerModel.matrix(model.users(sub.create(head, new Shape(b, data.headWidth())), pooled,
                                sub.create(hasHistory, new Shape(b, 1)), q ? sub.create(query, new Shape(b, data.textDim())) : null,
                                q ? sub.create(hasQuery, new Shape(b, 1)) : null));
                    }
                }
            };
        }

        /** Hold-out metrics at the current text weight. */
        HoldoutEvaluator.Metrics evaluate() {
            return evaluate(false).metrics();
        }

        /** Hold-out metrics at the best multiplier of the text weight (λ itself is left unchanged). */
        Tuned evaluateTuned() {
            return evaluate(true);
        }

        /**
         * Hold-out metrics over the grid of text weight multipliers for one touched item × for a diffuse history
         * (see {@link TwoTowerModel#setTextWeights}), and the balanced choice; the model is left unchanged.
         */
        TunedPair evaluatePairs() {
            if (data.holdoutQueries().isEmpty() || model.learnedDim() == model.dim()) {
                return new TunedPair(evaluate(), 1f, 1f);
            }
            int f = TEXT_WEIGHT_FACTORS.length;
            HoldoutEvaluator.Tally[] tallies = new HoldoutEvaluator.Tally[f * f];
            for (int k = 0; k < tallies.length; k++) tallies[k] = evaluator.tally();
            int n = data.itemCount();
            int learned = model.learnedDim();
            float[] scores = new float[n];
            scoreHoldout(true, (in, first, rows, learnedScores, textScores) -> {
                for (int row = 0; row < rows; row++) {
                    // r: the norm of the history's mean text block (the hold-out queries carry no query text).
                    float[] history = in.history()[first + row];
                    double sq = 0;
                    for (int d = learned; d < history.length; d++) sq += history[d] * history[d];
                    float r = (float) Math.sqrt(sq);
                    int off = row * n;
                    for (int one = 0; one < f; one++) {
                        for (int diffuse = 0; diffuse < f; diffuse++) {
                            float w = TEXT_WEIGHT_FACTORS[one] * r + TEXT_WEIGHT_FACTORS[diffuse] * (1 - r);
                            for (int i = 0; i < n; i++) scores[i] = learnedScores[off + i] + w * textScores[off + i];
                            tallies[one * f + diffuse].add(first + row, scores, 0);
                        }
                    }
                }
            });
            List<List<HoldoutEvaluator.Metrics>> all = new ArrayList<>();
            for (int one = 0; one < f; one++) {
                List<HoldoutEvaluator.Metrics> row = new ArrayList<>();
                for (int diffuse = 0; diffuse < f; diffuse++) row.add(tallies[one * f + diffuse].metrics());
                all.add(row);
            }
            return balancedPair(all);
        }

        /** The hold-out queries' user vectors and the catalog's item vectors of the current model. */
        SelectionVectors selectionVectors() {
            if (data.holdoutQueries().isEmpty()) return null;
            float[][] items = rows(catalogVectors(manager, model, itemX, itemTextBlock), model.dim());
            HoldoutEvaluator.Inputs in = evaluator.inputs(items);
            try (NDManager sub = manager.newSubManager()) {
                model.parameters().values().forEach(p -> p.tempAttach(sub));
                return new SelectionVectors(TwoTowerModel.matrix(users(sub, in)), items);
            }
        }

        /** The user tower over every hold-out query. */
        private NDArray users(NDManager sub, HoldoutEvaluator.Inputs in) {
            return model.users(sub.create(in.head()), sub.create(in.history()), sub.create(in.hasHistory()),
                    in.query() == null ? null : sub.create(in.query()), in.hasQuery() == null ? null : sub.create(in.hasQuery()));
        }

        /**
         * Receives the hold-out's scores a chunk of queries at a time: {@code rows} queries from {@code first}
         * (rows in {@link TrainingData#holdoutQueries()} order) × every item, row-major.
         */
        private interface ScoreChunk {
            /**
             * @param a the whole score, or its learned part when split
             * @param b the text part when split, else null
             */
            void accept(HoldoutEvaluator.Inputs inputs, int first, int rows, float[] a, float[] b);
        }

        /**
         * Runs both towers over the hold-out and scores every query against every item, {@link #SCORE_CHUNK_FLOATS}
         * scores at a time: the whole dot product when {@code split} is false, else its learned part and its
         * text part apart (score = learned + λ·text).
         */
        private void scoreHoldout(boolean split, ScoreChunk out) {
            int n = data.itemCount();
            int dim = model.dim();
            int learned = model.learnedDim();
            float[] catalog = catalogVectors(manager, model, itemX, itemTextBlock);
            HoldoutEvaluator.Inputs in = evaluator.inputs(rows(catalog, dim));
            int queries = in.head().length;
            int chunkRows = Math.max(1, SCORE_CHUNK_FLOATS / n);
            try (NDManager sub = manager.newSubManager()) {
                model.parameters().values().forEach(p -> p.tempAttach(sub));
                NDArray vectors = sub.create(catalog, new Shape(n, dim));
                NDArray users = users(sub, in);
                NDArray wholeT = split ? null : vectors.transpose();
                NDArray learnedT = split ? vectors.get(":, 0:" + learned).transpose() : null;
                NDArray textT = split ? vectors.get(":, " + learned + ":").transpose() : null;
                for (int first = 0; first < queries; first += chunkRows) {
                    int rows = Math.min(chunkRows, queries - first);
                    try (NDManager chunk = sub.newSubManager()) {
                        NDArray u = users.get(first + ":" + (first + rows));
                        u.attach(chunk);
                        if (!split) {
                            out.accept(in, first, rows, u.matMul(wholeT).toFloatArray(), null);
                        } else {
                            out.accept(in, first, rows, u.get(":, 0:" + learned).matMul(learnedT).toFloatArray(),
                                    u.get(":, " + learned + ":").matMul(textT).toFloatArray());
                        }
                    }
                }
            }
        }

        private Tuned evaluate(boolean tune) {
            if (data.holdoutQueries().isEmpty()) return new Tuned(new HoldoutEvaluator.Metrics(Map.of(), Map.of()), 1f);
            int n = data.itemCount();
            if (!tune || model.learnedDim() == model.dim()) {
                HoldoutEvaluator.Tally tally = evaluator.tally();
                scoreHoldout(false, (in, first, rows, whole, none) -> {
                    for (int row = 0; row < rows; row++) tally.add(first + row, whole, row * n);
                });
                return new Tuned(tally.metrics(), 1f);
            }
            // score = learned part + λ·text part: score both parts once, then try the multipliers of λ.
            HoldoutEvaluator.Tally[] tallies = new HoldoutEvaluator.Tally[TEXT_WEIGHT_FACTORS.length];
            for (int k = 0; k < tallies.length; k++) tallies[k] = evaluator.tally();
            float[] scores = new float[n];
            scoreHoldout(true, (in, first, rows, learnedScores, textScores) -> {
                for (int row = 0; row < rows; row++) {
                    int off = row * n;
                    for (int k = 0; k < tallies.length; k++) {
                        float f = TEXT_WEIGHT_FACTORS[k];
                        for (int i = 0; i < n; i++) scores[i] = learnedScores[off + i] + f * textScores[off + i];
                        tallies[k].add(first + row, scores, 0);
                    }
                }
            });
            List<HoldoutEvaluator.Metrics> all = new ArrayList<>();
            for (HoldoutEvaluator.Tally t : tallies) all.add(t.metrics());
            return balanced(all);
        }
    }

    /**
     * An exponential moving average of the model's parameters, updated once per epoch (started at the
     * first epoch's weights): the averaged model is what is evaluated on the hold-out, checkpointed
     * and, after the refit, published; the optimiser keeps stepping the raw weights.
     */
    static final class WeightAverage {
        private final TwoTowerModel model;
        private Map<String, float[]> average;

        WeightAverage(TwoTowerModel model) {
            this.model = model;
        }

        /** Folds the current weights into the average. */
        void update() {
            Map<String, float[]> now = model.checkpoint();
            if (average == null) {
                average = now;
                return;
            }
            float keep = (float) WEIGHT_AVERAGE_DECAY;
            average.forEach((name, avg) -> {
                float[] cur = now.get(name);
                for (int i = 0; i < avg.length; i++) avg[i] = keep * avg[i] + (1 - keep) * cur[i];
            });
        }

        /** A copy of the averaged weights (the current weights before the first update). */
        Map<String, float[]> snapshot() {
            if (average == null) return model.checkpoint();
            Map<String, float[]> copy = new java.util.LinkedHashMap<>();
            average.forEach((name, v) -> copy.put(name, v.clone()));
            return copy;
        }

        /** Runs {@code task} with the averaged weights in place, then puts the raw weights back. */
        <T> T apply(java.util.function.Supplier<T> task) {
            if (average == null) return task.get();
            Map<String, float[]> raw = model.checkpoint();
            model.restore(average);
            try {
                return task.get();
            } finally {
                model.restore(raw);
            }
        }
    }

    static float[][] concatRows(java.util.Collection<float[][]> parts) {
        List<float[][]> list = new ArrayList<>(parts);
        int n = list.get(0).length;
        int width = list.stream().mapToInt(p -> p[0].length).sum();
        float[][] out = new float[n][width];
        for (int i = 0; i < n; i++) {
            int off = 0;
            for (float[][] p : list) {
                System.arraycopy(p[i], 0, out[i], off, p[i].length);
                off += p[i].length;
            }
        }
        return out;
    }
}
