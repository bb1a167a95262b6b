package ai.mercury.feature;

import ai.mercury.model.OnnxTower;
import ai.mercury.testing.FixtureBundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression: loading MiniLM before any ONNX tower made every later tower load fail with "Tried to
 * specify the thread pool when creating an OrtEnvironment, but one already exists". The process-wide
 * environment is the point, so the check runs in a fresh JVM.
 */
class MiniLmBeforeTowerRegressionTest {
    /** Runs in the child JVM: MiniLM first, then a tower. */
    public static void main(String[] args) throws Exception {
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.load()) {
            encoder.embed("warm up");
        }
        OnnxTower tower = OnnxTower.load(Path.of(args[0]), "user_embedding", 1);
        tower.close();
        System.out.println("TOWER-LOADED");
    }

    @Test
    void miniLmFirst_thenTowerLoads_inAFreshJvm(@TempDir Path dir) throws Exception {
        Path bundle = FixtureBundle.copyTo(dir);
        Path out = dir.resolve("child.log");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MiniLmBeforeTowerRegressionTest.class.getName(),
                bundle.resolve("user_tower.onnx").toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        String log = Files.readString(out);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("TOWER-LOADED"), log);
    }
}
