package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/publish-bundle copies a bundle into a serving server's artifacts directory atomically, once. */
class PublishBundleScriptTest {
    @Test
    void publishBundle_servesTheCopy_andRefusesAnExistingVersion(@TempDir Path artifacts, @TempDir Path elsewhere) throws Exception {
        FixtureBundle.copyTo(artifacts);
        Path source = Drops.stage(elsewhere, "20260102T000000Z"); // the directory's own name does not matter
        try (ServerHarness h = new ServerHarness(artifacts, Map.of("swap.settle_ms", 100, "swap.scan_interval_ms", 200))) {
            assertTrue(h.awaitInitialLoad());
            Result first = run(source, artifacts);
            assertEquals(0, first.code, first.output);
            assertTrue(first.output.contains("published 20260102T000000Z"), first.output);
            Drops.await(() -> "20260102T000000Z".equals(h.activeVersion()), Duration.ofSeconds(10), () -> "not served");
            assertEquals(List.of(FixtureBundle.VERSION, "20260102T000000Z"), RetentionTest.onDisk(artifacts), "no staging leftovers");

            Result again = run(source, artifacts);
            assertEquals(1, again.code, again.output);
            assertTrue(again.output.contains("already exists"), again.output);
            assertEquals(List.of(), h.blockedEventLoops, "the event loop was blocked");
        }
    }

    record Result(int code, String output) {}

    static Result run(Path source, Path artifacts) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "scripts/publish-bundle", source.toString(), artifacts.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("scripts/publish-bundle did not finish");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
