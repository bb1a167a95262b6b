package ai.mercury.bundle;

import ai.mercury.core.TowerInput;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A tower as data: named float inputs, each {@code [batch, width]}, concatenated along axis 1 in list
 * order, then the dense layers in order, plus (optionally) linear residual paths that map one named
 * input straight to the output ({@code out += input·Rᵀ}, no bias, no activation), then (optionally) L2
 * normalisation of each row, producing {@code [batch, outputDim()]} under {@code outputName}.
 *
 * <p>A residual path keeps an input's geometry (e.g. the text embedding's) that the MLP would
 * otherwise have to re-learn; it changes the ONNX graph only, not a tower's named inputs or output.
 *
 * <p>This is the single definition of a tower's arithmetic: {@link #forward} is the reference
 * implementation used by the trainer and the parity tests, and {@link OnnxTowerExporter} writes the
 * same computation as an ONNX graph. L2 normalisation follows ONNX Runtime's
 * {@code LpNormalization(p=2)}: {@code x / ||x||}, and a zero row stays zero.
 *
 * <p>Immutable and thread-safe.
 */
public record TowerSpec(List<TowerInput> inputs, List<DenseLayer> layers, List<Residual> residuals,
                        List<OutputBlock> outputBlocks, boolean l2Normalize, String outputName) {

    /** A plain MLP tower without residual paths. */
    public TowerSpec(List<TowerInput> inputs, List<DenseLayer> layers, boolean l2Normalize, String outputName) {
        this(inputs, layers, List.of(), List.of(), l2Normalize, outputName);
    }

    /**
     * A consecutive slice {@code x} of the output, L2-normalised on its own when {@code l2} is set, then
     * multiplied by {@code scale}; with {@code raw ≠ 0} (only with {@code l2}), {@code raw · x} (the slice as it
     * was before normalising) is added: {@code y = scale · x/||x|| + raw · x}, so that the block's norm
     * {@code scale + raw·||x||} depends on the slice's own norm. With output blocks, each block is normalised
     * separately (a hybrid vector: e.g. a learned block and a text block of fixed norm) and the tower's
     * {@code l2Normalize} must be false.
     */
    public record OutputBlock(int width, boolean l2, float scale, float raw) {
        public OutputBlock {
            if (width <= 0) throw new IllegalArgumentException("output block width must be > 0, got " + width);
            if (!Float.isFinite(scale)) throw new IllegalArgumentException("output block scale must be finite, got " + scale);
            if (!Float.isFinite(raw)) throw new IllegalArgumentException("output block raw scale must be finite, got " + raw);
            if (raw != 0f && !l2) throw new IllegalArgumentException("a raw term needs an L2-normalised block");
        }

        /** A block without a raw term. */
        public OutputBlock(int width, boolean l2, float scale) {
            this(width, l2, scale, 0f);
        }

        /** A block with scale 1. */
        public OutputBlock(int width, boolean l2) {
            this(width, l2, 1f);
        }
    }

    /**
     * A linear path from the input named {@code input} to the tower output: {@code weight} is
     * {@code [outputDim][input width]} (the {@code nn.Linear} layout, no bias). Immutable: the array is
     * copied on construction and on access.
     */
    public record Residual(String input, float[][] weight) {
        /** Validates that the matrix is rectangular and non-empty, and copies it. */
        public Residual {
            if (input == null || input.isBlank()) {
                throw new IllegalArgumentException("residual input name must be non-blank");
            }
            Objects.requireNonNull(weight, "weight");
            if (weight.length == 0 || weight[0] == null || weight[0].length == 0) {
                throw new IllegalArgumentException("residual from '" + input + "' has an empty weight matrix");
            }
            float[][] w = new float[weight.length][];
            for (int o = 0; o < weight.length; o++) {
                if (weight[o] == null || weight[o].length != weight[0].length) {
                    throw new IllegalArgumentException("residual from '" + input + "': weight row " + o + " is not "
                            + weight[0].length + " wide");
                }
                w[o] = weight[o].clone();
            }
            weight = w;
        }

        /** Number of output features. */
        public int outDim() {
            return weight.length;
        }

        /** Width of the input it reads. */
        public int inDim() {
            return weight[0].length;
        }

        /** A copy of the weight matrix, {@code [out][in]}. */
        @Override
        public float[][] weight() {
            float[][] copy = new float[weight.length][];
            for (int o = 0; o < weight.length; o++) {
                copy[o] = weight[o].clone();
            }
            return copy;
        }

        /** Writes the weight matrix into {@code dst} row-major ({@code [out][in]}), without an intermediate copy. */
        void copyWeightsTo(java.nio.FloatBuffer dst) {
            for (float[] row : weight) {
                dst.put(row);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Residual other && input.equals(other.input) && java.util.Arrays.deepEquals(weight, other.weight);
        }

        @Override
        public int hashCode() {
            return Objects.hash(input, java.util.Arrays.deepHashCode(weight));
        }

        @Override
        public String toString() {
            return "Residual[" + input + ": " + inDim() + " -> " + outDim() + "]";
        }
    }

    /** Validates names (distinct, output name not an input name) and that layer widths chain. */
    public TowerSpec {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(layers, "layers");
        inputs = List.copyOf(inputs);
        layers = List.copyOf(layers);
        residuals = residuals == null ? List.of() : List.copyOf(residuals);
        outputBlocks = outputBlocks == null ? List.of() : List.copyOf(outputBlocks);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a tower needs at least one input");
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a tower needs at least one dense layer");
        }
        if (outputName == null || outputName.isBlank()) {
            throw new IllegalArgumentException("tower output name must be non-blank");
        }
        Set<String> names = new HashSet<>();
        int width = 0;
        for (TowerInput in : inputs) {
            if (!names.add(in.name())) {
                throw new IllegalArgumentException("duplicate tower input name '" + in.name() + "'");
            }
            width += in.width();
        }
        if (names.contains(outputName)) {
            throw new IllegalArgumentException("output name '" + outputName + "' is also an input name");
        }
        for (int l = 0; l < layers.size(); l++) {
            DenseLayer layer = layers.get(l);
            if (layer.inDim() != width) {
                throw new IllegalArgumentException("layer " + l + " takes " + layer.inDim() + " features but receives "
                        + width + (l == 0 ? " (the sum of the input widths)" : " (the previous layer's output)"));
            }
            width = layer.outDim();
        }
        Set<String> residualInputs = new HashSet<>();
        for (Residual r : residuals) {
            TowerInput in = inputs.stream().filter(i -> i.name().equals(r.input())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("residual reads unknown input '" + r.input() + "'"));
            if (!residualInputs.add(r.input())) {
                throw new IllegalArgumentException("two residual paths read input '" + r.input() + "'");
            }
            if (r.inDim() != in.width() || r.outDim() != width) {
                throw new IllegalArgumentException("residual from '" + r.input() + "' maps " + r.inDim() + " -> " + r.outDim()
                        + ", expected " + in.width() + " -> " + width);
            }
        }
        if (!outputBlocks.isEmpty()) {
            if (l2Normalize) {
                throw new IllegalArgumentException("a tower with output blocks normalises block by block: l2Normalize must be false");
            }
            int sum = outputBlocks.stream().mapToInt(OutputBlock::width).sum();
            if (sum != width) {
                throw new IllegalArgumentException("output blocks cover " + sum + " features, the output has " + width);
            }
        }
    }

    /** Sum of the input widths: the width of the concatenated feature vector. */
    public int inputWidth() {
        int w = 0;
        for (TowerInput in : inputs) {
            w += in.width();
        }
        return w;
    }

    /** Width of the output embedding. */
    public int outputDim() {
        return layers.get(layers.size() - 1).outDim();
    }

    /**
     * Reference forward pass in plain Java (double accumulation).
     *
     * @param inputs one {@code [batch][width]} array per input name; every input must be present with the
     *               declared width and all must have the same batch size; extra names are rejected
     * @return {@code [batch][outputDim()]}
     * @throws IllegalArgumentException naming the offending input on a missing, unknown or misshapen input
     */
    public float[][] forward(Map<String, float[][]> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        int batch = -1;
        float[][][] ordered = new float[this.inputs.size()][][];
        for (int k = 0; k < this.inputs.size(); k++) {
            TowerInput in = this.inputs.get(k);
            float[][] rows = inputs.get(in.name());
            if (rows == null) {
                throw new IllegalArgumentException("missing tower input '" + in.name() + "'");
            }
            if (batch < 0) {
                batch = rows.length;
            } else if (rows.length != batch) {
                throw new IllegalArgumentException("tower input '" + in.name() + "' has " + rows.length
                        + " rows, expected " + batch);
            }
            for (int b = 0; b < rows.length; b++) {
                if (rows[b] == null || rows[b].length != in.width()) {
                    throw new IllegalArgumentException("tower input '" + in.name() + "' row " + b + " has width "
                            + (rows[b] == null ? "null" : rows[b].length) + ", expected " + in.width());
                }
            }
            ordered[k] = rows;
        }
        if (inputs.size() != this.inputs.size()) {
            for (String name : inputs.keySet()) {
                if (this.inputs.stream().noneMatch(in -> in.name().equals(name))) {
                    throw new IllegalArgumentException("unknown tower input '" + name + "'");
                }
            }
        }
        int width = inputWidth();
        float[][] out = new float[batch][];
        double[] x = new double[width];
        for (int b = 0; b < batch; b++) {
            int off = 0;
            for (float[][] rows : ordered) {
                float[] row = rows[b];
                for (int i = 0; i < row.length; i++) {
                    x[off + i] = row[i];
                }
                off += row.length;
            }
            double[] h = x;
            for (DenseLayer layer : layers) {
                h = layer.apply(h);
            }
            for (Residual r : residuals) {
                float[] in = inputs.get(r.input())[b];
                for (int o = 0; o < h.length; o++) {
                    float[] row = r.weight[o];
                    double acc = 0;
                    for (int i = 0; i < row.length; i++) {
                        acc += row[i] * in[i];
                    }
                    h[o] += acc;
                }
            }
            if (l2Normalize) {
                normalize(h, 0, h.length);
            }
            int from = 0;
            for (OutputBlock block : outputBlocks) {
                double[] before = block.raw() != 0f ? java.util.Arrays.copyOfRange(h, from, from + block.width()) : null;
                if (block.l2()) {
                    normalize(h, from, from + block.width());
                }
                if (block.scale() != 1f) {
                    for (int i = from; i < from + block.width(); i++) {
                        h[i] *= block.scale();
                    }
                }
                if (before != null) {
                    for (int i = from; i < from + block.width(); i++) {
                        h[i] += block.raw() * before[i - from];
                    }
                }
                from += block.width();
            }
            float[] y = new float[h.length];
            for (int i = 0; i < h.length; i++) {
                y[i] = (float) h[i];
            }
            out[b] = y;
        }
        return out;
    }

    /** ORT's LpNormalization: {@code x / ||x||}, and a zero slice stays zero instead of dividing by zero. */
    private static void normalize(double[] h, int from, int to) {
        double sq = 0;
        for (int i = from; i < to; i++) {
            sq += h[i] * h[i];
        }
        double norm = Math.sqrt(sq);
        double scale = norm == 0 ? 0 : 1.0 / norm;
        for (int i = from; i < to; i++) {
            h[i] *= scale;
        }
    }

    /**
     * A randomly initialised tower: ReLU hidden layers with He-uniform weights, a linear last layer with
     * Xavier-uniform weights, biases uniform in {@code ±1/sqrt(fan_in)} (PyTorch's {@code nn.Linear}
     * default). Deterministic for a given seed. Used for test fixtures and untrained bootstrap bundles.
     *
     * @param hiddenSizes widths of the hidden layers, possibly empty
     * @param outDim      embedding width
     */
    public static TowerSpec randomInit(List<TowerInput> inputs, int[] hiddenSizes, int outDim,
                                       boolean l2Normalize, String outputName, long seed) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(hiddenSizes, "hiddenSizes");
        if (outDim <= 0) {
            throw new IllegalArgumentException("outDim must be > 0, got " + outDim);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int fanIn = 0;
        for (TowerInput in : inputs) {
            fanIn += in.width();
        }
        List<DenseLayer> layers = new ArrayList<>(hiddenSizes.length + 1);
        for (int h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden size must be > 0, got " + h);
            }
            layers.add(randomLayer(rnd, fanIn, h, Math.sqrt(6.0 / fanIn), DenseLayer.Activation.RELU));
            fanIn = h;
        }
        layers.add(randomLayer(rnd, fanIn, outDim, Math.sqrt(6.0 / (fanIn + outDim)), DenseLayer.Activation.NONE));
        return new TowerSpec(inputs, layers, l2Normalize, outputName);
    }

    private static DenseLayer randomLayer(SplittableRandom rnd, int in, int out, double limit,
                                          DenseLayer.Activation activation) {
        float[][] w = new float[out][in];
        for (float[] row : w) {
            for (int i = 0; i < in; i++) {
                row[i] = (float) rnd.nextDouble(-limit, limit);
            }
        }
        float[] b = new float[out];
        double bl = 1.0 / Math.sqrt(in);
        for (int o = 0; o < out; o++) {
            b[o] = (float) rnd.nextDouble(-bl, bl);
        }
        return new DenseLayer(w, b, activation);
    }
}
