package ai.mercury.cli;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.Json;
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

/** {@code bundle verify DIR}, {@code bundle bootstrap} and {@code bundle index DIR}. */
@Command(name = "bundle", mixinStandardHelpOptions = true, description = "Inspect and create bundles.",
        subcommands = {BundleCommand.Verify.class, BundleCommand.Bootstrap.class, BundleCommand.Index.class, BundleCommand.Synth.class,
                HybridizeCommand.class})
final class BundleCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: mercury bundle verify DIR | mercury bundle bootstrap --data FILE [--hnsw-index]"
                + " | mercury bundle index DIR --version NEW | mercury bundle synth --from DIR --items N --out DIR");
    }

    /** HNSW build parameters of a prebuilt index.hnsw; they must equal the server's index.m and index.ef_construction. */
    static final class HnswOptions {
        @Option(names = "--m", defaultValue = "" + IndexParams.DEFAULT_M,
                description = "HNSW links per node; must equal the server's index.m (default: ${DEFAULT-VALUE})")
        int m;

        @Option(names = "--ef-construction", defaultValue = "" + IndexParams.DEFAULT_EF_CONSTRUCTION,
                description = "HNSW build candidate list; must equal the server's index.ef_construction (default: ${DEFAULT-VALUE})")
        int efConstruction;

        IndexParams params() {
            return IndexParams.DEFAULTS.withKind(ai.mercury.index.IndexKind.HNSW).withM(m).withEfConstruction(efConstruction);
        }
    }

    /**
     * Copies a bundle to a new version with a prebuilt {@code index.hnsw}. A published bundle is
     * never modified in place (a server may be reading it, and replicas may have synced it).
     */
    @Command(name = "index", mixinStandardHelpOptions = true,
            description = "Publish a copy of bundle DIR as a new version with a prebuilt index.hnsw (DIR is left untouched).")
    static final class Index implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "the bundle to copy")
        Path dir;

        @Option(names = "--version", description = "version of the copy (default: now, e.g. 20261126T101500Z)")
        String version;

        @Option(names = "--artifacts", description = "where to publish the copy (default: DIR's parent)")
        Path artifacts;

        @picocli.CommandLine.Mixin
        HnswOptions hnsw = new HnswOptions();

        @Override
        public Integer call() throws Exception {
            Path out = artifacts != null ? artifacts : dir.toAbsolutePath().normalize().getParent();
            String v = version != null ? version : BundleWriter.versionFor(Instant.now());
            try {
                long t0 = System.nanoTime();
                Path published = BundleWriter.publishWithIndex(dir, out, v, hnsw.params());
                System.out.println("published " + published + " = " + dir.getFileName() + " + index.hnsw (m=" + hnsw.m
                        + ", ef_construction=" + hnsw.efConstruction + ") in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                return 0;
            } catch (BundleException e) {
                System.out.println("FAIL [" + e.reason() + "] " + e.getMessage());
                return 1;
            }
        }
    }

    /** A synthetic catalog of any size around a real bundle's items, with its towers: for load tests. */
    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write a bundle with the towers of --from and N synthetic items sampled around its real ones (see docs/loadtest.md).")
    static final class Synth implements Callable<Integer> {
        @Option(names = "--from", required = true, description = "the source bundle (towers, feature spec, the items to sample around)")
        Path from;

        @Option(names = "--items", required = true, description = "number of items to generate")
        int items;

        @Option(names = "--out", required = true, description = "directory to publish into (the bundle lands in OUT/VERSION)")
        Path out;

        @Option(names = "--version", description = "version of the new bundle (default: <source version>-syn<N>)")
        String version;

        @Option(names = "--seed", defaultValue = "" + ai.mercury.bundle.SyntheticCatalog.DEFAULT_SEED, description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--noise", defaultValue = "" + ai.mercury.bundle.SyntheticCatalog.DEFAULT_NOISE,
                description = "noise norm relative to the sampled item's vector norm (default: ${DEFAULT-VALUE}: cosine to it about 0.89)")
        double noise;

        @Option(names = "--with-index", description = "also write a prebuilt index.hnsw (see --m, --ef-construction; minutes at 100k items)")
        boolean withIndex;

        @picocli.CommandLine.Mixin
        HnswOptions hnsw = new HnswOptions();

        @Override
        public Integer call() throws Exception {
            String v = version != null ? version : from.toAbsolutePath().normalize().getFileName() + "-syn" + items;
            try {
                long t0 = System.nanoTime();
                Path published = ai.mercury.bundle.SyntheticCatalog.publish(from, out, v,
                        new ai.mercury.bundle.SyntheticCatalog.Params(items, seed, noise, withIndex ? hnsw.params() : null));
                System.out.println("published " + published + ": " + items + " synthetic items around " + from.getFileName()
                        + (withIndex ? " with index.hnsw (m=" + hnsw.m + ", ef_construction=" + hnsw.efConstruction + ")" : "")
                        + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                return 0;
            } catch (BundleException e) {
                System.out.println("FAIL [" + e.reason() + "] " + e.getMessage());
                return 1;
            }
        }
    }

    /** Runs every check the server runs before it serves a bundle; exit 1 on the first fault. */
    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check a bundle as the server would before serving it.")
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "bundle directory")
        Path dir;

        @Override
        public Integer call() {
            System.out.println("verifying " + dir.toAbsolutePath());
            java.util.function.Consumer<String> log = line -> System.out.println("  ok  " + line);
            try (ai.mercury.feature.TextEncoderRegistry encoders = new ai.mercury.feature.TextEncoderRegistry(1000)) {
                ai.mercury.bundle.Bundle bundle = ai.mercury.bundle.BundleReader.read(dir, log);
                Snapshot s = SnapshotLoader.load(bundle, SnapshotLoader.Options.defaults().withQueryEncoderFor(bundle, encoders), log);
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

        @Option(names = "--hnsw-index", description = "also write a prebuilt index.hnsw (see --m, --ef-construction)")
        boolean hnswIndex;

        @picocli.CommandLine.Mixin
        HnswOptions hnsw = new HnswOptions();

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
            Path out = BundleWriter.publish(artifacts, content, hnswIndex ? hnsw.params() : null);
            System.out.println("published " + out + " (" + catalog.items().size() + " items from " + catalog.keptRows() + " kept rows)");
            return 0;
        }
    }
}
