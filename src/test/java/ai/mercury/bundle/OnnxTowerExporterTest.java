package ai.mercury.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.core.TowerInput;
import ai.mercury.model.OnnxTower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxTowerExporterTest {
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    private static final List<TowerInput> THREE_INPUTS = List.of(
            new TowerInput("country", 5), new TowerInput("device", 6), new TowerInput("history", 64));

    @Test
    void export_threeInputsL2_matchesJavaForward() throws Exception {
        TowerSpec spec = TowerSpec.randomInit(THREE_INPUTS, new int[] {48, 32}, 16, true, "user_embedding", 7L);
        try (OnnxTower tower = load(spec, "user_embedding")) {
            assertEquals(List.of("country", "device", "history"), tower.inputNames());
            Map<String, long[]> shapes = tower.inputShapes();
            assertArrayEquals(new long[] {-1, 5}, shapes.get("country"));
            assertArrayEquals(new long[] {-1, 6}, shapes.get("device"));
            assertArrayEquals(new long[] {-1, 64}, shapes.get("history"));
            assertEquals(16, tower.outputDim());

            Map<String, float[][]> in = randomInputs(spec, 200, 11L);
            float[][] onnx = tower.embed(in);
            float[][] java = spec.forward(in);
            assertMaxAbsDiff(java, onnx);
            for (float[] row : onnx) {
                double sq = 0;
                for (float v : row) {
                    sq += v * v;
                }
                assertEquals(1.0, Math.sqrt(sq), 1e-5);
            }
        }
    }

    @Test
    void export_withoutL2_matchesJavaForward() throws Exception {
        TowerSpec spec = TowerSpec.randomInit(THREE_INPUTS, new int[] {24}, 8, false, "item_embedding", 8L);
        try (OnnxTower tower = load(spec, "item_embedding")) {
            Map<String, float[][]> in = randomInputs(spec, 200, 12L);
            assertMaxAbsDiff(spec.forward(in), tower.embed(in));
        }
    }

    @Test
    void export_singleInputNoHidden_matchesJavaForwardAndSkipsConcat() throws Exception {
        TowerSpec spec = TowerSpec.randomInit(List.of(new TowerInput("text", 32)), new int[0], 8, true, "out", 9L);
        assertTrue(OnnxTowerExporter.toModelProto(spec, "g").getGraph().getNodeList().stream()
                .noneMatch(n -> n.getOpType().equals("Concat")));
        try (OnnxTower tower = load(spec, "out")) {
            assertEquals(List.of("text"), tower.inputNames());
            assertArrayEquals(new long[] {-1, 32}, tower.inputShapes().get("text"));
            Map<String, float[][]> in = randomInputs(spec, 200, 13L);
            assertMaxAbsDiff(spec.forward(in), tower.embed(in));
        }
    }

    @Test
    void export_batchOfOne_matchesJavaForward() throws Exception {
        TowerSpec spec = TowerSpec.randomInit(THREE_INPUTS, new int[] {16}, 4, true, "user_embedding", 10L);
        try (OnnxTower tower = load(spec, "user_embedding")) {
            Map<String, float[][]> in = randomInputs(spec, 1, 14L);
            float[][] onnx = tower.embed(in);
            assertEquals(1, onnx.length);
            assertMaxAbsDiff(spec.forward(in), onnx);
        }
    }

    @Test
    void export_zeroOutputRow_l2StaysZeroLikeOrt() throws Exception {
        // All-zero weights and bias: the pre-normalisation row is 0, which must not become NaN.
        DenseLayer zero = new DenseLayer(new float[3][4], new float[3], DenseLayer.Activation.NONE);
        TowerSpec spec = new TowerSpec(List.of(new TowerInput("x", 4)), List.of(zero), true, "y");
        try (OnnxTower tower = load(spec, "y")) {
            Map<String, float[][]> in = Map.of("x", new float[][] {{1, 2, 3, 4}});
            assertArrayEquals(new float[] {0, 0, 0}, tower.embed(in)[0]);
            assertArrayEquals(new float[] {0, 0, 0}, spec.forward(in)[0]);
        }
    }

    @Test
    void export_tinyOutputRow_normalisesWithoutEpsilonLikeOrt() throws Exception {
        float[][] w = {{1e-7f, 0}, {0, 1e-7f}};
        TowerSpec spec = new TowerSpec(List.of(new TowerInput("x", 2)),
                List.of(new DenseLayer(w, new float[2], DenseLayer.Activation.NONE)), true, "y");
        try (OnnxTower tower = load(spec, "y")) {
            Map<String, float[][]> in = Map.of("x", new float[][] {{3e-7f, 4e-7f}});
            assertMaxAbsDiff(new float[][] {{0.6f, 0.8f}}, tower.embed(in));
            assertMaxAbsDiff(new float[][] {{0.6f, 0.8f}}, spec.forward(in));
        }
    }

    @Test
    void export_outputNameCollidingWithGeneratedName_isRejected() {
        TowerSpec spec = TowerSpec.randomInit(List.of(new TowerInput("tower_w0_0", 3)), new int[0], 2, false, "y", 1L);
        assertThrows(IllegalArgumentException.class, () -> OnnxTowerExporter.export(spec, "g"));
    }

    @Test
    void export_modelProto_hasOpset13AndNamedGraph() {
        TowerSpec spec = TowerSpec.randomInit(THREE_INPUTS, new int[] {8}, 4, true, "e", 2L);
        var model = OnnxTowerExporter.toModelProto(spec, "mercury_user_tower");
        assertEquals("mercury_user_tower", model.getGraph().getName());
        assertEquals(13, model.getOpsetImport(0).getVersion());
        assertEquals(List.of("country", "device", "history"),
                model.getGraph().getInputList().stream().map(v -> v.getName()).toList());
        assertEquals("e", model.getGraph().getOutput(0).getName());
    }

    private OnnxTower load(TowerSpec spec, String outputName) throws Exception {
        Path file = dir.resolve("tower-" + System.nanoTime() + ".onnx");
        Files.write(file, OnnxTowerExporter.export(spec, "test_tower"));
        return OnnxTower.load(file, outputName, 1);
    }

    static Map<String, float[][]> randomInputs(TowerSpec spec, int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, float[][]> in = new LinkedHashMap<>();
        for (TowerInput input : spec.inputs()) {
            float[][] rows = new float[batch][input.width()];
            for (float[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) rnd.nextDouble(-2, 2);
                }
            }
            in.put(input.name(), rows);
        }
        return in;
    }

    private static void assertMaxAbsDiff(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length, "rows");
        double max = 0;
        for (int b = 0; b < expected.length; b++) {
            assertEquals(expected[b].length, actual[b].length, "width of row " + b);
            for (int i = 0; i < expected[b].length; i++) {
                max = Math.max(max, Math.abs(expected[b][i] - actual[b][i]));
            }
        }
        assertTrue(max <= TOLERANCE, "max |onnx - java| = " + max);
    }
}
