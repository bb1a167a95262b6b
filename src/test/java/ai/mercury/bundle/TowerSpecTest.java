package ai.mercury.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.core.TowerInput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TowerSpecTest {

    @Test
    void forward_concatGemmReluGemm_matchesHandComputation() {
        // x = [1, 2 | 3]; h = relu([[1,0,0],[0,-1,0]]·x + [0, 1]) = relu([1, -1]) = [1, 0]; y = [2,5]·h + 1 = 3
        DenseLayer hidden = new DenseLayer(new float[][] {{1, 0, 0}, {0, -1, 0}}, new float[] {0, 1},
                DenseLayer.Activation.RELU);
        DenseLayer last = new DenseLayer(new float[][] {{2, 5}}, new float[] {1}, DenseLayer.Activation.NONE);
        TowerSpec spec = new TowerSpec(List.of(new TowerInput("a", 2), new TowerInput("b", 1)),
                List.of(hidden, last), false, "y");
        assertEquals(3, spec.inputWidth());
        assertEquals(1, spec.outputDim());
        float[][] y = spec.forward(Map.of("a", new float[][] {{1, 2}}, "b", new float[][] {{3}}));
        assertArrayEquals(new float[] {3}, y[0]);
    }

    @Test
    void forward_l2_givesUnitRows() {
        DenseLayer id = new DenseLayer(new float[][] {{1, 0}, {0, 1}}, new float[2], DenseLayer.Activation.NONE);
        TowerSpec spec = new TowerSpec(List.of(new TowerInput("x", 2)), List.of(id), true, "y");
        assertArrayEquals(new float[] {0.6f, 0.8f}, spec.forward(Map.of("x", new float[][] {{3, 4}}))[0], 1e-7f);
    }

    @Test
    void forward_missingInput_namesIt() {
        TowerSpec spec = TowerSpec.randomInit(List.of(new TowerInput("a", 2), new TowerInput("b", 3)),
                new int[] {4}, 2, true, "y", 1L);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec.forward(Map.of("a", new float[1][2])));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> spec.forward(Map.of("a", new float[1][2], "b", new float[1][4])));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void constructor_layerWidthMismatch_isRejected() {
        DenseLayer layer = new DenseLayer(new float[2][5], new float[2], DenseLayer.Activation.NONE);
        assertThrows(IllegalArgumentException.class,
                () -> new TowerSpec(List.of(new TowerInput("x", 4)), List.of(layer), false, "y"));
    }

    @Test
    void constructor_duplicateInputOrOutputName_isRejected() {
        DenseLayer layer = new DenseLayer(new float[2][4], new float[2], DenseLayer.Activation.NONE);
        assertThrows(IllegalArgumentException.class, () -> new TowerSpec(
                List.of(new TowerInput("x", 2), new TowerInput("x", 2)), List.of(layer), false, "y"));
        assertThrows(IllegalArgumentException.class,
                () -> new TowerSpec(List.of(new TowerInput("x", 4)), List.of(layer), false, "x"));
    }

    @Test
    void denseLayer_raggedWeightOrWrongBias_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new DenseLayer(new float[][] {{1, 2}, {3}}, new float[2], DenseLayer.Activation.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> new DenseLayer(new float[2][2], new float[3], DenseLayer.Activation.NONE));
    }

    @Test
    void denseLayer_isImmutable() {
        float[][] w = {{1, 2}};
        DenseLayer layer = new DenseLayer(w, new float[] {0}, DenseLayer.Activation.NONE);
        w[0][0] = 9;
        layer.weight()[0][1] = 9;
        assertArrayEquals(new float[] {1, 2}, layer.weight()[0]);
    }

    @Test
    void randomInit_isDeterministicPerSeed() {
        List<TowerInput> in = List.of(new TowerInput("x", 8));
        assertEquals(TowerSpec.randomInit(in, new int[] {4}, 3, true, "y", 5L),
                TowerSpec.randomInit(in, new int[] {4}, 3, true, "y", 5L));
        assertTrue(!TowerSpec.randomInit(in, new int[] {4}, 3, true, "y", 5L)
                .equals(TowerSpec.randomInit(in, new int[] {4}, 3, true, "y", 6L)));
    }
}
