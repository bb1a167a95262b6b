package ai.mercury.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.bundle.Manifest;
import ai.mercury.testing.FixtureBundle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BundleVerifyCommandTest {
    @TempDir
    Path artifacts;

    /** The exit code and what the command printed on System.out. */
    record Run(int exitCode, String out) {}

    /** Runs {@code mercury ARGS} in process and captures System.out (also used by the other CLI tests). */
    static Run mercury(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            int code = new CommandLine(new Main()).execute(args);
            capture.flush();
            return new Run(code, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void verify_intactFixture_exits0AndListsEveryCheckThenPass() {
        Path dir = FixtureBundle.copyTo(artifacts);

        Run run = mercury("bundle", "verify", dir.toString());

        assertEquals(0, run.exitCode(), run.out());
        List<String> expectedChecks = List.of(
                "ok  manifest: format mercury-bundle/1, version " + FixtureBundle.VERSION,
                "ok  user_tower.onnx: 2810 bytes, sha256 ok",
                "ok  item_tower.onnx: 2660 bytes, sha256 ok",
                "ok  items.jsonl: 1252 bytes, sha256 ok",
                "ok  item_vectors.npy: 512 bytes, sha256 ok",
                "ok  items.jsonl: 12 items, ids unique",
                "ok  item_vectors.npy: float32 [12, 8], all finite",
                "ok  user_tower.onnx: loads in ONNX Runtime, inputs match the feature spec",
                "ok  item_tower.onnx: loads in ONNX Runtime, inputs match the feature spec",
                "ok  index: ",
                "ok  smoke queries: ");
        int from = 0;
        for (String check : expectedChecks) {
            int at = run.out().indexOf(check, from);
            assertTrue(at >= 0, "missing, or out of order: '" + check + "' in\n" + run.out());
            from = at + check.length();
        }
        assertTrue(run.out().contains("PASS " + FixtureBundle.VERSION + ": 12 items"), run.out());
        assertFalse(run.out().contains("FAIL"), run.out());
    }

    @Test
    void verify_flippedByteInUserTower_exits1WithChecksumMismatch() throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        Path tower = dir.resolve(Manifest.USER_TOWER);
        byte[] bytes = Files.readAllBytes(tower);
        bytes[100] ^= (byte) 0x80;
        Files.write(tower, bytes);

        Run run = mercury("bundle", "verify", dir.toString());

        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("FAIL [checksum_mismatch]"), run.out());
        assertTrue(run.out().contains(Manifest.USER_TOWER), run.out());
        assertFalse(run.out().contains("PASS"), run.out());
    }

    @Test
    void verify_directoryWithoutManifest_exits1WithFileMissing() throws Exception {
        Path empty = Files.createDirectories(artifacts.resolve("20260101T000000Z"));

        Run run = mercury("bundle", "verify", empty.toString());

        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("FAIL [file_missing]"), run.out());
    }

    @Test
    void verify_queryEnabledBundle_usesTheManifestsTextEncoderAndPasses() throws Exception {
        String version = "20260101T000000Z";
        ai.mercury.bundle.BundleWriter.Content base = FixtureBundle.content(version);
        ai.mercury.feature.FeatureSpec fs = base.featureSpec();
        ai.mercury.feature.FeatureSpec withQuery = new ai.mercury.feature.FeatureSpec(fs.context(), fs.time(), fs.history(),
                new ai.mercury.feature.FeatureSpec.QuerySpec(true), fs.item());
        ai.mercury.bundle.TowerSpec user = ai.mercury.bundle.TowerSpec.randomInit(withQuery.userInputs(FixtureBundle.DIM, 16), new int[] {16},
                FixtureBundle.DIM, true, ai.mercury.bundle.Manifest.USER_OUTPUT, 99L);
        Path dir = ai.mercury.bundle.BundleWriter.publish(artifacts, new ai.mercury.bundle.BundleWriter.Content(version, withQuery,
                base.textEncoder(), user, base.itemTower(), base.items(), base.itemVectors(), base.training(), null));

        Run run = mercury("bundle", "verify", dir.toString());

        assertEquals(0, run.exitCode(), run.out());
        assertTrue(run.out().contains("PASS " + version), run.out());
    }
}
