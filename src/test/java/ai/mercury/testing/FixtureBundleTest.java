package ai.mercury.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.Sha256;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed fixture bundle is exactly what {@link FixtureBundle} writes: regenerate it rather than edit it. */
class FixtureBundleTest {
    private static final String HOW_TO_REGENERATE = "; the committed fixture is stale: delete "
            + FixtureBundle.COMMITTED.resolve(FixtureBundle.VERSION) + " and run FixtureBundle.main"
            + " (mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=ai.mercury.testing.FixtureBundle)";

    @TempDir
    Path artifacts;

    @Test
    void committedFixture_equalsWhatTheGeneratorWrites_fileByFile() throws Exception {
        Path committed = FixtureBundle.COMMITTED.resolve(FixtureBundle.VERSION);
        Path regenerated = BundleWriter.publish(artifacts, FixtureBundle.content(FixtureBundle.VERSION));

        assertEquals(names(regenerated), names(committed), "file names" + HOW_TO_REGENERATE);
        for (String name : names(committed)) {
            if (name.equals(Manifest.FILE_NAME)) continue;
            assertEquals(Sha256.of(regenerated.resolve(name)), Sha256.of(committed.resolve(name)), name + HOW_TO_REGENERATE);
        }
    }

    @Test
    void committedManifest_equalsRegeneratedManifestApartFromCreatedAt() throws Exception {
        Path committed = FixtureBundle.COMMITTED.resolve(FixtureBundle.VERSION);
        Path regenerated = BundleWriter.publish(artifacts, FixtureBundle.content(FixtureBundle.VERSION));

        ObjectNode expected = (ObjectNode) Json.MAPPER.readTree(regenerated.resolve(Manifest.FILE_NAME).toFile());
        ObjectNode actual = (ObjectNode) Json.MAPPER.readTree(committed.resolve(Manifest.FILE_NAME).toFile());
        assertEquals(expected.remove("created_at").getNodeType(), actual.remove("created_at").getNodeType());
        assertEquals(expected, actual, "manifest.json" + HOW_TO_REGENERATE);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
