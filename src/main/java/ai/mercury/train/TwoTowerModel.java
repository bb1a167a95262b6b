package ai.mercury.train;

import ai.mercury.core.TowerInput;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.mercury.bundle.DenseLayer;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.feature.FeatureSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The two towers as PyTorch tensors (through DJL), with the arithmetic {@link TowerSpec} defines,
 * so that {@link #itemSpec}/{@link #userSpec} export exactly what was trained.
 *
 * <p>Hybrid vectors: a learned block of width {@code L} followed by a text block of width {@code T}.
 * Item: {@code v = [l2(MLP(text, price, category)) ; l2(P·text)]}, where {@code P} is a fixed PCA
 * projection of the title embeddings. User:
 * {@code u = [l2(MLP(context, time, history, has_history, query?) + B·history_L) ; λ·l2(history_T + λq·P·query)]},
 * where {@code history} is the mean of the history items' {@code v}, split into its blocks. One inner
 * product thus adds {@code λ ×} the text similarity of the candidate to the history (what keeps new
 * items reachable) to the learned cosine. After training, {@link #setTextWeights} makes that weight depend
 * on how concentrated the history's titles are (one touched item vs a long, varied history) by adding an
 * unnormalised copy of the text block. Exported as MLPs whose last layer has zero rows for the text
 * block, residual paths ({@link TowerSpec.Residual}) that fill it, and per-block normalisation
 * ({@link TowerSpec.OutputBlock}). With {@code T = 0} it is a plain two-tower with a history residual.
 *
 * <p>Not thread-safe; owns its parameters' native memory until {@link #close()}.
 */
final class TwoTowerModel implements AutoCloseable {
    private static final float LAST_LAYER_INIT_SCALE = 0.1f;

    private final NDManager manager;
    private final List<NDArray[]> itemLayers = new ArrayList<>();
    private final List<NDArray[]> userLayers = new ArrayList<>();
    /** {@code [L, L]}, starts as the identity. */
    private final NDArray historyResidual;
    /** Fixed {@code [T, textDim]}; null without a text block. */
    private final float[][] projection;
    private final NDArray projectionT;
    private final NDArray historyTextScale;
    private final NDArray queryTextScale;
    /**
     * Added to the text block, unnormalised, after training ({@link #setTextWeights}): 0 while training. With it
     * the text weight depends on how concentrated the history's titles are; see {@link #setTextWeights}.
     */
    private float historyTextRaw;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final int dim;
    private final int learned;
    private final int textBlock;
    private final int textDim;
    private final List<TowerInput> userInputs;
    private final List<TowerInput> itemInputs;

    TwoTowerModel(NDManager manager, FeatureSpec spec, int textDim, TrainConfig config, float[][] textSample) {
        this.manager = manager;
        this.dim = config.embeddingDim();
        this.textBlock = Math.min(config.textBlockDim(), textDim);
        this.learned = dim - textBlock;
        this.textDim = textDim;
        this.userInputs = spec.userInputs(dim, textDim);
        this.itemInputs = spec.itemInputs(textDim);
        SplittableRandom rnd = new SplittableRandom(config.seed());
        buildMlp("item", width(itemInputs), config.itemHidden(), learned, itemLayers, rnd);
        buildMlp("user", width(userInputs), config.userHidden(), learned, userLayers, rnd);
        float[][] identity = new float[learned][learned];
        for (int k = 0; k < learned; k++) identity[k][k] = 1f;
        historyResidual = param("user_history_residual", identity);
        if (textBlock > 0) {
            projection = Pca.topComponents(textSample, textBlock, rnd.nextLong());
            projectionT = manager.create(projection).transpose();
            historyTextScale = param("user_history_text_scale", new float[] {1f});
            queryTextScale = spec.queryEnabled() ? param("user_query_text_scale", new float[] {1f}) : null;
        } else {
            projection = null;
            projectionT = null;
            historyTextScale = null;
            queryTextScale = null;
        }
    }

    private static int width(List<TowerInput> inputs) {
        return inputs.stream().mapToInt(TowerInput::width).sum();
    }

    private void buildMlp(String name, int in, int[] hidden, int outDim, List<NDArray[]> layers, SplittableRandom rnd) {
        int fanIn = in;
        for (int l = 0; l <= hidden.length; l++) {
            boolean last = l == hidden.length;
            int out = last ? outDim : hidden[l];
            double limit = last ? LAST_LAYER_INIT_SCALE * Math.sqrt(6.0 / (fanIn + out)) : Math.sqrt(6.0 / fanIn);
            float[][] w = new float[out][fanIn];
            for (float[] row : w) for (int i = 0; i < fanIn; i++) row[i] = (float) rnd.nextDouble(-limit, limit);
            float[] bias = new float[out];
            layers.add(new NDArray[] {param(name + "_w" + l, w), param(name + "_b" + l, bias)});
            fanIn = out;
        }
    }

    private NDArray param(String name, float[][] w) {
        NDArray p = manager.create(w);
        p.setRequiresGradient(true);
        parameters.put(name, p);
        return p;
    }

    private NDArray param(String name, float[] b) {
        NDArray p = manager.create(b);
        p.setRequiresGradient(true);
        parameters.put(name, p);
        return p;
    }

    /** Trainable tensors by a stable name (for the optimiser and for checkpoints). */
    Map<String, NDArray> parameters() {
        return parameters;
    }

    int dim() {
        return dim;
    }

    /** Width of the learned block (the whole vector without a text block). */
    int learnedDim() {
        return learned;
    }

    /**
     * The item text block, {@code l2(P·text)} for title embeddings {@code [n, textDim]}: constant, so
     * compute it once. Null without a text block.
     */
    NDArray textBlock(NDArray text) {
        return projectionT == null ? null : l2(text.matMul(projectionT));
    }

    /**
     * Item vectors.
     *
     * @param x         item inputs, {@code [n, item input width]}
     * @param textBlock {@link #textBlock} of the items' title embeddings, or null without a text block
     */
    NDArray items(NDArray x, NDArray textBlock) {
        NDArray out = l2(mlp(x, itemLayers));
        return textBlock == null ? out : NDArrays.concat(new NDList(out, textBlock), 1);
    }

    /**
     * User vectors.
     *
     * @param head       context one-hots and time features, {@code [b, head width]}
     * @param history    pooled history item vectors, {@code [b, dim]}
     * @param hasHistory {@code [b, 1]}
     * @param query      query text embeddings {@code [b, textDim]} or null when the model reads no query
     * @param hasQuery   {@code [b, 1]} or null
     */
    NDArray users(NDArray head, NDArray history, NDArray hasHistory, NDArray query, NDArray hasQuery) {
        NDList parts = new NDList(head, history, hasHistory);
        if (readsQuery()) {
            parts.add(query);
            parts.add(hasQuery);
        }
        NDArray historyLearned = textBlock == 0 ? history : history.get(":, 0:" + learned);
        NDArray out = l2(mlp(NDArrays.concat(parts, 1), userLayers).add(historyLearned.matMul(historyResidual.transpose())));
        if (textBlock == 0) return out;
        NDArray text = history.get(":, " + learned + ":");
        if (queryTextScale != null) text = text.add(query.matMul(projectionT).mul(queryTextScale));
        // Normalised, so a long, varied history weighs its text similarity as much as one item does.
        NDArray textOut = l2(text).mul(historyTextScale);
        if (historyTextRaw != 0f) textOut = textOut.add(text.mul(historyTextRaw));
        return NDArrays.concat(new NDList(out, textOut), 1);
    }

    /**
     * Sets the text weight after training, from the learned λ: a history whose titles' text blocks average to a
     * vector of norm {@code r} (1 for one item, about 0.5 for a long, varied history) gets the text weight
     * {@code λ · (oneItem · r + diffuse · (1 − r))}, i.e. the text block becomes
     * {@code λ·diffuse · l2(t) + λ·(oneItem − diffuse) · t}. With {@code oneItem == diffuse} it is λ·oneItem for every history.
     * A post-training knob: call it once.
     */
    void setTextWeights(float oneItem, float diffuse) {
        if (historyTextScale == null) return;
        float lambda = historyTextScale.getFloat();
        historyTextScale.set(new float[] {lambda * diffuse});
        historyTextRaw = lambda * (oneItem - diffuse);
    }

    /** The text block's normalised weight ({@code λ·diffuse} after {@link #setTextWeights}). */
    float historyTextScale() {
        return historyTextScale == null ? 0f : historyTextScale.getFloat();
    }

    /** The text block's unnormalised weight, {@code λ·(oneItem − diffuse)} after {@link #setTextWeights}. */
    float historyTextRaw() {
        return historyTextRaw;
    }

    private static NDArray mlp(NDArray x, List<NDArray[]> layers) {
        NDArray h = x;
        for (int l = 0; l < layers.size(); l++) {
            h = h.matMul(layers.get(l)[0].transpose()).add(layers.get(l)[1]);
            if (l < layers.size() - 1) h = Activation.relu(h);
        }
        return h;
    }

    /** Row-wise {@code x / ||x||}; ONNX LpNormalization leaves a zero row at zero, and so does this. */
    private static NDArray l2(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f));
    }

    boolean readsQuery() {
        return userInputs.stream().anyMatch(i -> i.name().equals(FeatureSpec.INPUT_QUERY));
    }

    /** The item tower as trained, for export. */
    TowerSpec itemSpec() {
        if (textBlock == 0) return new TowerSpec(itemInputs, dense(itemLayers), List.of(), List.of(), true, Manifest.ITEM_OUTPUT);
        float[][] w = new float[dim][textDim];
        for (int k = 0; k < textBlock; k++) w[learned + k] = projection[k].clone();
        return new TowerSpec(itemInputs, dense(itemLayers), List.of(new TowerSpec.Residual(FeatureSpec.INPUT_TEXT, w)),
                List.of(new TowerSpec.OutputBlock(learned, true), new TowerSpec.OutputBlock(textBlock, true)), false, Manifest.ITEM_OUTPUT);
    }

    /** The user tower as trained, for export. */
    TowerSpec userSpec() {
        float[][] b = new float[dim][dim];
        float[][] r = matrix(historyResidual);
        for (int o = 0; o < learned; o++) System.arraycopy(r[o], 0, b[o], 0, learned);
        if (textBlock == 0) {
            return new TowerSpec(userInputs, dense(userLayers), List.of(new TowerSpec.Residual(FeatureSpec.INPUT_HISTORY, b)),
                    List.of(), true, Manifest.USER_OUTPUT);
        }
        float g = historyTextScale.getFloat();
        for (int k = learned; k < dim; k++) b[k][k] = 1f;
        List<TowerSpec.Residual> residuals = new ArrayList<>();
        residuals.add(new TowerSpec.Residual(FeatureSpec.INPUT_HISTORY, b));
        if (queryTextScale != null) {
            float q = queryTextScale.getFloat();
            float[][] c = new float[dim][textDim];
            for (int k = 0; k < textBlock; k++) {
                for (int j = 0; j < textDim; j++) c[learned + k][j] = q * projection[k][j];
            }
            residuals.add(new TowerSpec.Residual(FeatureSpec.INPUT_QUERY, c));
        }
        return new TowerSpec(userInputs, dense(userLayers), residuals,
                List.of(new TowerSpec.OutputBlock(learned, true), new TowerSpec.OutputBlock(textBlock, true, g, historyTextRaw)), false,
                Manifest.USER_OUTPUT);
    }

    /** The MLP's layers, the last one padded with zero rows for the text block. */
    private List<DenseLayer> dense(List<NDArray[]> layers) {
        List<DenseLayer> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            boolean last = l == layers.size() - 1;
            float[][] w = matrix(layers.get(l)[0]);
            float[] bias = layers.get(l)[1].toFloatArray();
            if (last && textBlock > 0) {
                float[][] padded = new float[dim][w[0].length];
                System.arraycopy(w, 0, padded, 0, w.length);
                w = padded;
                bias = java.util.Arrays.copyOf(bias, dim);
            }
            out.add(new DenseLayer(w, bias, last ? DenseLayer.Activation.NONE : DenseLayer.Activation.RELU));
        }
        return out;
    }

    static float[][] matrix(NDArray a) {
        Shape s = a.getShape();
        int rows = (int) s.get(0);
        int cols = (int) s.get(1);
        float[] flat = a.toFloatArray();
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) System.arraycopy(flat, r * cols, m[r], 0, cols);
        return m;
    }

    /** A copy of every parameter's values, to restore the best epoch later. */
    Map<String, float[]> checkpoint() {
        Map<String, float[]> copy = new LinkedHashMap<>();
        parameters.forEach((name, p) -> copy.put(name, p.toFloatArray()));
        return copy;
    }

    void restore(Map<String, float[]> checkpoint) {
        parameters.forEach((name, p) -> p.set(checkpoint.get(name)));
    }

    @Override
    public void close() {
        parameters.values().forEach(NDArray::close);
        if (projectionT != null) projectionT.close();
    }
}
