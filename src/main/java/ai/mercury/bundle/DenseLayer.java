package ai.mercury.bundle;

import java.util.Arrays;
import java.util.Objects;

/**
 * One fully connected layer of a tower: {@code y = activation(x·Wᵀ + b)}.
 *
 * <p>{@code weight} is {@code [out][in]} (the PyTorch {@code nn.Linear} layout, exported as an ONNX
 * {@code Gemm} with {@code transB=1}); {@code bias} is {@code [out]}. The arrays are copied on
 * construction and on access, so an instance is immutable and safe to share between threads.
 */
public record DenseLayer(float[][] weight, float[] bias, Activation activation) {

    /** Element-wise function applied after the affine map. */
    public enum Activation {
        /** Identity. */
        NONE,
        /** {@code max(0, x)}. */
        RELU
    }

    /** Validates shapes ({@code weight} rectangular and non-empty, {@code bias.length == out}) and copies. */
    public DenseLayer {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(bias, "bias");
        Objects.requireNonNull(activation, "activation");
        if (weight.length == 0) {
            throw new IllegalArgumentException("weight must have at least one output row");
        }
        int in = weight[0] == null ? 0 : weight[0].length;
        if (in == 0) {
            throw new IllegalArgumentException("weight must have at least one input column");
        }
        float[][] w = new float[weight.length][];
        for (int o = 0; o < weight.length; o++) {
            if (weight[o] == null || weight[o].length != in) {
                throw new IllegalArgumentException("weight row " + o + " has length "
                        + (weight[o] == null ? "null" : weight[o].length) + ", expected " + in);
            }
            w[o] = weight[o].clone();
        }
        if (bias.length != weight.length) {
            throw new IllegalArgumentException("bias has length " + bias.length + ", expected " + weight.length
                    + " (the number of weight rows)");
        }
        weight = w;
        bias = bias.clone();
    }

    /** Number of input features. */
    public int inDim() {
        return weight[0].length;
    }

    /** Number of output features. */
    public int outDim() {
        return weight.length;
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

    /** A copy of the bias vector. */
    @Override
    public float[] bias() {
        return bias.clone();
    }

    /** Reference forward pass for one row, accumulated in double. */
    double[] apply(double[] x) {
        double[] y = new double[weight.length];
        for (int o = 0; o < weight.length; o++) {
            float[] row = weight[o];
            double acc = bias[o];
            for (int i = 0; i < row.length; i++) {
                acc += row[i] * x[i];
            }
            y[o] = activation == Activation.RELU && acc < 0 ? 0.0 : acc;
        }
        return y;
    }

    /** Writes the weight matrix into {@code dst} row-major ({@code [out][in]}), without an intermediate copy. */
    void copyWeightsTo(java.nio.FloatBuffer dst) {
        for (float[] row : weight) {
            dst.put(row);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseLayer other
                && activation == other.activation
                && Arrays.equals(bias, other.bias)
                && Arrays.deepEquals(weight, other.weight);
    }

    @Override
    public int hashCode() {
        return Objects.hash(activation, Arrays.hashCode(bias), Arrays.deepHashCode(weight));
    }

    @Override
    public String toString() {
        return "DenseLayer[" + inDim() + " -> " + outDim() + ", " + activation + "]";
    }
}
