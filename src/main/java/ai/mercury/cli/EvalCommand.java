package ai.mercury.cli;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.Manifest;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetException;
import ai.mercury.eval.EvalOptions;
import ai.mercury.eval.EvalRunner;
import ai.mercury.feature.CachingTextEncoder;
import ai.mercury.feature.EmbeddingCache;
import ai.mercury.feature.MiniLmTextEncoder;
import ai.mercury.feature.TextEncoder;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.config.MercuryConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code mercury eval [BUNDLE_DIR...]}: ../shared/eval/PROTOCOL.md through the serving path, with
 * the five baselines; writes reports/eval/<version>.{json,md,-<slice>.png}, updates each bundle's
 * manifest {@code evaluation}, and prints the JSON report's path as its last line.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate bundles with ../shared/eval/PROTOCOL.md through the serving path, beside the protocol's baselines.",
                "Without BUNDLE_DIR: the newest bundle under the artifacts directory. Prints the JSON report's path last."})
final class EvalCommand implements Callable<Integer> {
    static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "online-retail", "online_retail.csv.gz");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE_DIR", arity = "0..*", description = "bundle directories, evaluated side by side")
    List<Path> bundles = new ArrayList<>();

    @Option(names = "--data", description = "interaction log, .csv or .csv.gz (default: the config's interactions.path for a "
            + "two-table config, else ../shared/data/online-retail/online_retail.csv.gz)")
    Path data;

    @Option(names = "--config", description = "dataset config (default: ${DEFAULT-VALUE})")
    Path config = Path.of(DatasetConfig.DEFAULT_CONFIG);

    @Option(names = "--out", description = "report directory (default: ${DEFAULT-VALUE})")
    Path out = Path.of("reports", "eval");

    @Option(names = "--server-config", description = "server config whose index section the served model uses, and whose artifacts dir "
            + "holds the default bundle (default: ${DEFAULT-VALUE} when present)")
    Path serverConfig = Path.of("conf", "mercury.json");

    @Option(names = "--index", description = "override the served index kind: auto, hnsw or exact")
    String indexKind;

    @Option(names = "--threads", description = "query threads (default: the number of cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--baselines-only", description = "evaluate only the baselines (no bundle)")
    boolean baselinesOnly;

    @Option(names = "--no-text-knn", description = "skip text_knn (no MiniLM run)")
    boolean noTextKnn;

    @Option(names = "--no-manifest", description = "do not write the figures into the bundles' manifests")
    boolean noManifest;

    @Option(names = "--quiet", description = "no progress bars")
    boolean quiet;

    @Override
    public Integer call() {
        try {
            MercuryConfig server = MercuryConfig.load(Files.isRegularFile(serverConfig) ? serverConfig : null, System.getenv(), Map.of());
            IndexParams index = indexKind == null ? server.index() : server.index().withKind(IndexKind.parse(indexKind));
            List<Path> dirs = new ArrayList<>(bundles);
            if (dirs.isEmpty() && !baselinesOnly) {
                Path newest = newestBundle(server.artifactsDir());
                if (newest == null) {
                    System.err.println("mercury eval: no bundle under " + server.artifactsDir() + "; pass BUNDLE_DIR or --baselines-only");
                    return 2;
                }
                dirs.add(newest);
            }
            String command = commandLine(spec.commandLine().getParseResult().originalArgs());
            try (TextEncoders enc = TextEncoders.open(!noTextKnn)) {
                EvalOptions options = new EvalOptions(dirs, dataFile(data, DatasetConfig.load(config)), config, out, index, threads, enc.encoder, enc.note, !noManifest, command,
                        quiet ? null : System.err);
                EvalRunner.Result result = EvalRunner.run(options, line -> System.err.println(line));
                for (Path p : result.reports()) System.out.println(p);
            }
            return 0;
        } catch (DatasetException | BundleException e) {
            System.err.println("mercury eval: " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException | MercuryConfig.ConfigException e) {
            System.err.println("mercury eval: " + e.getMessage());
            return 1;
        }
    }

    /** The data file: as given, else the two-table config's interaction log, else Online Retail's file. */
    static Path dataFile(Path given, DatasetConfig config) {
        if (given != null) return given;
        return config.tables() != null ? config.tables().interactions().path() : DEFAULT_DATA;
    }

    /** "mercury eval …" from the process's arguments (which start with the subcommand's name). */
    static String commandLine(List<String> args) {
        int from = args.indexOf("eval") + 1;
        StringBuilder sb = new StringBuilder("mercury eval");
        for (String a : args.subList(from, args.size())) sb.append(' ').append(a.matches("[\\w./@:=,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        return sb.toString();
    }

    /** The greatest version name among the artifacts directory's non-dot bundle directories, as the server picks. */
    static Path newestBundle(Path artifacts) throws IOException {
        if (!Files.isDirectory(artifacts)) return null;
        try (Stream<Path> list = Files.list(artifacts)) {
            return list.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isRegularFile(p.resolve(Manifest.FILE_NAME)))
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
        }
    }

    /** MiniLM behind the on-disk embedding cache, or the reason it is unavailable; closes both. */
    private static final class TextEncoders implements AutoCloseable {
        final TextEncoder encoder;
        final String note;
        private final MiniLmTextEncoder miniLm;
        private final EmbeddingCache cache;

        private TextEncoders(TextEncoder encoder, String note, MiniLmTextEncoder miniLm, EmbeddingCache cache) {
            this.encoder = encoder;
            this.note = note;
            this.miniLm = miniLm;
            this.cache = cache;
        }

        static TextEncoders open(boolean wanted) {
            if (!wanted) return new TextEncoders(null, "skipped (--no-text-knn)", null, null);
            MiniLmTextEncoder m;
            try {
                // The protocol's text_knn is defined on the original float32 weights (see Choices).
                m = MiniLmTextEncoder.load(MiniLmTextEncoder.Variant.FULL, 1, Runtime.getRuntime().availableProcessors());
            } catch (RuntimeException e) {
                return new TextEncoders(null, "MiniLM could not be loaded: " + e.getMessage(), null, null);
            }
            EmbeddingCache cache;
            try {
                cache = EmbeddingCache.openDefault();
            } catch (RuntimeException e) {
                System.err.println("embedding cache unavailable (" + e.getMessage() + "); embedding titles without it");
                return new TextEncoders(m, null, m, null);
            }
            return new TextEncoders(new CachingTextEncoder(m, cache), null, m, cache);
        }

        @Override
        public void close() {
            if (cache != null) cache.close();
            if (miniLm != null) miniLm.close();
        }
    }
}
