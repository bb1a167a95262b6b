package ai.mercury.testing;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.feature.HashingTextEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tiny bundle the tests serve: 12 items in 3 categories, two context fields, 8-dim
 * embeddings. It is committed under {@code src/test/resources/fixtures/bundles/}; regenerate it
 * with {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=ai.mercury.testing.FixtureBundle}
 * (FixtureBundleTest checks that the committed copy is what this class writes).
 */
public final class FixtureBundle {
    public static final String VERSION = "20260101T000000Z";
    public static final Path COMMITTED = Path.of("src", "test", "resources", "fixtures", "bundles");
    public static final int DIM = 8;

    public static final List<CatalogItem> ITEMS = List.of(
            new CatalogItem("A001", "White hanging heart t-light holder", 2.55, "home"),
            new CatalogItem("A002", "Red hanging heart t-light holder", 2.95, "home"),
            new CatalogItem("A003", "White metal lantern", 3.39, "home"),
            new CatalogItem("A004", "Cream cupid hearts coat hanger", 2.75, "home"),
            new CatalogItem("B001", "Jumbo bag red retrospot", 1.95, "bags"),
            new CatalogItem("B002", "Jumbo shopper vintage red paisley", 1.95, "bags"),
            new CatalogItem("B003", "Lunch bag black skull", 1.65, "bags"),
            new CatalogItem("B004", "Lunch bag pink polkadot", 1.65, "bags"),
            new CatalogItem("C001", "Regency cakestand 3 tier", 12.75, "kitchen"),
            new CatalogItem("C002", "Set of 3 cake tins pantry design", 4.95, "kitchen"),
            new CatalogItem("C003", "Pack of 72 retrospot cake cases", 0.55, "kitchen"),
            new CatalogItem("C004", "Party bunting", 4.95, "kitchen"));

    private FixtureBundle() {}

    public static BundleWriter.Content content(String version) {
        return content(version, 7L, ITEMS);
    }

    /** A fixture-like bundle with other random towers ({@code seed}) and catalog. */
    public static BundleWriter.Content content(String version, long seed, List<CatalogItem> items) {
        Map<String, List<String>> vocab = new LinkedHashMap<>();
        vocab.put("country", List.of("United Kingdom", "France", "Germany"));
        vocab.put("device", List.of("desktop", "mobile"));
        return BootstrapBundle.build(new BootstrapBundle.Params(version, DIM, new int[] {16}, new int[] {16}, 5, seed),
                items, vocab, new HashingTextEncoder(16), null);
    }

    /** Copies the committed fixture into {@code artifactsDir}; returns the bundle directory. */
    public static Path copyTo(Path artifactsDir) {
        Path source = COMMITTED.resolve(VERSION);
        Path target = artifactsDir.resolve(VERSION);
        try (Stream<Path> files = Files.list(source)) {
            Files.createDirectories(target);
            for (Path f : files.toList()) Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    public static void main(String[] args) throws IOException {
        Path out = BundleWriter.publish(COMMITTED, content(VERSION));
        System.out.println("wrote " + out);
    }
}
