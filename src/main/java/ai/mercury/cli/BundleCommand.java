package ai.mercury.cli;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.Json;
import ai.mercury.bundle.Sha256;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.train.OnlineRetailCatalog;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code bundle verify DIR} and {@code bundle bootstrap}. */
@Command(name = "bundle", mixinStandardHelpOptions = true, description = "Inspect and create bundles.",
        subcommands = {BundleCommand.Verify.class, BundleCommand.Bootstrap.class})
final class BundleCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: mercury bundle verify DIR | mercury bundle bootstrap --data FILE");
    }

    /** Runs every check the server runs before it serves a bundle; exit 1 on the first fault. */
    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check a bundle as the server would before serving it.")
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "bundle directory")
        Path dir;

        @Override
        public Integer call() {
            System.out.println("verifying " + dir.toAbsolutePath());
            try {
                Snapshot s = SnapshotLoader.load(dir, SnapshotLoader.Options.defaults(), line -> System.out.println("  ok  " + line));
                s.retire();
                System.out.println("PASS " + s.version() + ": " + s.catalog().size() + " items");
                return 0;
            } catch (BundleException e) {
                System.out.println("FAIL [" + e.reason() + "] " + e.getMessage());
                return 1;
            }
        }
    }

    /** Writes an untrained bundle over the Online Retail catalog, so a fresh clone can serve. */
    @Command(name = "bootstrap", mixinStandardHelpOptions = true,
            description = "Write an untrained (random-tower) bundle over the Online Retail catalog.")
    static final class Bootstrap implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "online_retail.csv.gz")
        Path data;

        @Option(names = "--artifacts", defaultValue = "artifacts", description = "where to publish (default: ${DEFAULT-VALUE})")
        Path artifacts;

        @Option(names = "--version", description = "bundle version (default: now, e.g. 20261126T101500Z)")
        String version;

        @Option(names = "--seed", defaultValue = "42")
        long seed;

        @Override
        public Integer call() throws Exception {
            OnlineRetailCatalog.Result catalog = OnlineRetailCatalog.read(data);
            Map<String, List<String>> vocab = new LinkedHashMap<>();
            vocab.put("country", catalog.countries());
            vocab.put("device", List.of("desktop", "mobile", "tablet"));
            ObjectNode provenance = Json.MAPPER.createObjectNode()
                    .put("data_sha256", Sha256.of(data))
                    .put("command", "mercury bundle bootstrap --data " + data.getFileName() + " --seed " + seed)
                    .put("note", "untrained: random towers over hashed title words; replaced by `mercury train`");
            String v = version != null ? version : BundleWriter.versionFor(Instant.now());
            BundleWriter.Content content = BootstrapBundle.build(
                    new BootstrapBundle.Params(v, 64, new int[] {128}, new int[] {128}, 50, seed),
                    catalog.items(), vocab, new HashingTextEncoder(384), provenance);
            Path out = BundleWriter.publish(artifacts, content);
            System.out.println("published " + out + " (" + catalog.items().size() + " items from " + catalog.keptRows() + " kept rows)");
            return 0;
        }
    }
}
