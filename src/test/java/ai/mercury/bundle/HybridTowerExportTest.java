package ai.mercury.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.bundle.TowerSpec.OutputBlock;
import ai.mercury.bundle.TowerSpec.Residual;
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

/** Residual paths and per-block normalisation: the Java reference and the exported ONNX graph agree. */
class HybridTowerExportTest {
    private static final List<TowerInput> INPUTS = List.of(new TowerInput("ctx", 5), new TowerInput("history", 12), new TowerInput("query", 7));

    @TempDir
    Path dir;

    @Test
    void export_residualsAndBlocks_matchesJavaForward() throws Exception {
        TowerSpec mlp = TowerSpec.randomInit(INPUTS, new int[] {16}, 12, false, "out", 3L);
        SplittableRandom rnd = new SplittableRandom(4);
        TowerSpec spec = new TowerSpec(INPUTS, mlp.layers(), List.of(new Residual("history", random(rnd, 12, 12)),
                new Residual("query", random(rnd, 12, 7))), List.of(new OutputBlock(8, true), new OutputBlock(4, true, 2.5f)), false, "out");
        Map<String, float[][]> in = new LinkedHashMap<>();
        for (TowerInput i : INPUTS) in.put(i.name(), random(rnd, 50, i.width()));
        float[][] java = spec.forward(in);
        Path file = dir.resolve("t.onnx");
        Files.write(file, OnnxTowerExporter.export(spec, "t"));
        try (OnnxTower tower = OnnxTower.load(file, "out", 1)) {
            float[][] onnx = tower.embed(in);
            double max = 0;
            for (int b = 0; b < java.length; b++) {
                double sq = 0;
                for (int d = 0; d < 12; d++) {
                    max = Math.max(max, Math.abs(java[b][d] - onnx[b][d]));
                    if (d < 8) sq += java[b][d] * java[b][d];
                }
                assertEquals(1.0, Math.sqrt(sq), 1e-5, "the first block is unit-norm");
                double sq2 = 0;
                for (int d = 8; d < 12; d++) sq2 += java[b][d] * java[b][d];
                assertEquals(2.5, Math.sqrt(sq2), 1e-5, "the second block has norm 2.5");
            }
            assertTrue(max <= 1e-5, "max abs diff " + max);
        }
        // The residual really is added: without it the output changes.
        TowerSpec plain = new TowerSpec(INPUTS, mlp.layers(), List.of(), List.of(new OutputBlock(8, true), new OutputBlock(4, false)), false, "out");
        assertTrue(Math.abs(plain.forward(in)[0][9] - java[0][9]) > 1e-6);
    }

    @Test
    void export_rawTerm_matchesJavaForward() throws Exception {
        TowerSpec mlp = TowerSpec.randomInit(INPUTS, new int[] {16}, 12, false, "out", 3L);
        SplittableRandom rnd = new SplittableRandom(6);
        TowerSpec spec = new TowerSpec(INPUTS, mlp.layers(), List.of(new Residual("history", random(rnd, 12, 12))),
                List.of(new OutputBlock(8, true), new OutputBlock(4, true, 1.5f, -0.75f)), false, "out");
        Map<String, float[][]> in = new LinkedHashMap<>();
        for (TowerInput i : INPUTS) in.put(i.name(), random(rnd, 50, i.width()));
        in.get("history")[0] = new float[12];
        in.get("ctx")[0] = new float[5];
        in.get("query")[0] = new float[7];
        float[][] java = spec.forward(in);
        TowerSpec noRaw = new TowerSpec(INPUTS, mlp.layers(), spec.residuals(),
                List.of(new OutputBlock(8, true), new OutputBlock(4, false)), false, "out");
        float[][] before = noRaw.forward(in);
        for (int b = 0; b < java.length; b++) {
            double sq = 0;
            for (int d = 8; d < 12; d++) sq += before[b][d] * before[b][d];
            double norm = Math.sqrt(sq);
            for (int d = 8; d < 12; d++) {
                double expected = norm == 0 ? 0 : 1.5 * before[b][d] / norm - 0.75 * before[b][d];
                assertEquals(expected, java[b][d], 1e-5, "y = scale·x/|x| + raw·x");
            }
        }
        Path file = dir.resolve("raw.onnx");
        Files.write(file, OnnxTowerExporter.export(spec, "t"));
        try (OnnxTower tower = OnnxTower.load(file, "out", 1)) {
            float[][] onnx = tower.embed(in);
            double max = 0;
            for (int b = 0; b < java.length; b++) for (int d = 0; d < 12; d++) max = Math.max(max, Math.abs(java[b][d] - onnx[b][d]));
            assertTrue(max <= 1e-5, "max abs diff " + max);
        }
        assertThrows(IllegalArgumentException.class, () -> new OutputBlock(4, false, 1f, 0.5f), "a raw term needs l2");
    }

    @Test
    void spec_rejectsMisshapenResidualsAndBlocks() {
        TowerSpec mlp = TowerSpec.randomInit(INPUTS, new int[] {16}, 12, false, "out", 3L);
        SplittableRandom rnd = new SplittableRandom(5);
        assertThrows(IllegalArgumentException.class, () -> new TowerSpec(INPUTS, mlp.layers(),
                List.of(new Residual("nope", random(rnd, 12, 12))), List.of(), false, "out"));
        assertThrows(IllegalArgumentException.class, () -> new TowerSpec(INPUTS, mlp.layers(),
                List.of(new Residual("history", random(rnd, 12, 11))), List.of(), false, "out"));
        assertThrows(IllegalArgumentException.class, () -> new TowerSpec(INPUTS, mlp.layers(), List.of(),
                List.of(new OutputBlock(8, true), new OutputBlock(3, false)), false, "out"));
        assertThrows(IllegalArgumentException.class, () -> new TowerSpec(INPUTS, mlp.layers(), List.of(),
                List.of(new OutputBlock(12, true)), true, "out"));
    }

    private static float[][] random(SplittableRandom rnd, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] r : m) for (int j = 0; j < cols; j++) r[j] = (float) rnd.nextDouble(-1, 1);
        return m;
    }
}
