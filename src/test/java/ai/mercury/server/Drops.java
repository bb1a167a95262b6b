package ai.mercury.server;

import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.Sha256;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Bundles dropped into a running server's artifacts directory the way operators do it: the
 * committed fixture copied under a new version into a dot-directory, optionally corrupted there,
 * then renamed into place in one atomic move. Plus the manifest fix-ups of BundleCorruptionTest
 * (so that the check under test is the one that fires) and a polling await with a deadline.
 */
final class Drops {
    private Drops() {}

    /** Copies the fixture into {@code artifacts/.tmp-<version>/} with its manifest's version rewritten. */
    static Path stage(Path artifacts, String version) {
        Path tmp = artifacts.resolve(".tmp-" + version);
        try (Stream<Path> files = Files.list(FixtureBundle.COMMITTED.resolve(FixtureBundle.VERSION))) {
            Files.createDirectories(tmp);
            for (Path f : files.toList()) Files.copy(f, tmp.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            editManifest(tmp, m -> m.put("version", version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tmp;
    }

    /** Renames a staged {@code .tmp-<version>} directory to {@code <version>} atomically. */
    static Path drop(Path staged) {
        String name = staged.getFileName().toString();
        Path target = staged.resolveSibling(name.substring(".tmp-".length()));
        try {
            return Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid bundle {@code version} (the fixture's towers and catalog), published atomically. */
    static Path publish(Path artifacts, String version) {
        return drop(stage(artifacts, version));
    }

    static void editManifest(Path bundleDir, Consumer<ObjectNode> edit) {
        Path file = bundleDir.resolve(Manifest.FILE_NAME);
        try {
            ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(file.toFile());
            edit.accept(manifest);
            Files.write(file, Json.MAPPER.writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites {@code files.<name>} of manifest.json to the file's current size and sha256. */
    static void fixFileEntry(Path bundleDir, String name) {
        Path file = bundleDir.resolve(name);
        try {
            long size = Files.size(file);
            String sha = Sha256.of(file);
            editManifest(bundleDir, m -> ((ObjectNode) m.get("files")).putObject(name).put("size", size).put("sha256", sha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code state} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeout.toMillis() + " ms: " + state.get());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
