package ai.mercury.cli;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetException;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.TimeSplit;
import ai.mercury.feature.CachingTextEncoder;
import ai.mercury.feature.EmbeddingCache;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.feature.MiniLmTextEncoder;
import ai.mercury.feature.TextEncoder;
import ai.mercury.train.TrainConfig;
import ai.mercury.train.TrainingRun;
import ai.mercury.train.TwoTowerTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mercury train}: reads the interaction log through a dataset config, embeds titles with
 * all-MiniLM-L6-v2 (through the on-disk embedding cache), trains both towers with DJL on PyTorch
 * and publishes a bundle under the artifacts directory. Prints the bundle's path as its last line.
 * Needs the PyTorch engine on the classpath: run it through {@code scripts/train}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the two towers on the fit period and publish a bundle (prints its path last).",
                "Needs DJL's PyTorch engine on the classpath: use scripts/train, not the serving jar."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", description = "interaction log, .csv or .csv.gz (default: the config's interactions.path for a "
            + "two-table config, else " + "../shared/data/online-retail/online_retail.csv.gz)")
    Path data;

    @Option(names = "--config", description = "dataset config (default: ${DEFAULT-VALUE})")
    Path config = Path.of(DatasetConfig.DEFAULT_CONFIG);

    @Option(names = "--artifacts", description = "where the bundle is published (default: ${DEFAULT-VALUE})")
    Path artifacts = Path.of("artifacts");

    @Option(names = "--bundle-version", description = "bundle version (default: the current UTC time, e.g. 20261126T101500Z)")
    String version;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = TrainConfig.DEFAULT_SEED;

    @Option(names = "--epochs", description = "maximum epochs (default: ${DEFAULT-VALUE})")
    int epochs = TrainConfig.DEFAULT_MAX_EPOCHS;

    @Option(names = "--patience", description = "epochs without hold-out improvement before stopping (default: ${DEFAULT-VALUE})")
    int patience = TrainConfig.DEFAULT_PATIENCE;

    @Option(names = "--no-refit", description = "keep the early-stopped model instead of refitting on the whole fit period")
    boolean noRefit;

    @Option(names = "--holdout-start", description = "start of the early-stopping hold-out inside the fit period, an ISO-8601 instant "
            + "(default: the dataset config's split.holdout_start, else the last split.holdout_fraction of the fit period)")
    Instant holdoutStart;

    @Option(names = "--dim", description = "embedding width (default: ${DEFAULT-VALUE})")
    int dim = TrainConfig.DEFAULT_EMBEDDING_DIM;

    @Option(names = "--text-block", description = "width of the fixed text block inside the embedding, 0 for a plain two-tower (default: ${DEFAULT-VALUE})")
    int textBlock = TrainConfig.DEFAULT_TEXT_BLOCK_DIM;

    @Option(names = "--hidden", split = ",", description = "hidden layer widths of both towers (default: 256)")
    int[] hidden = TrainConfig.DEFAULT_USER_HIDDEN;

    @Option(names = "--temperature", description = "softmax temperature (default: ${DEFAULT-VALUE})")
    double temperature = TrainConfig.DEFAULT_TEMPERATURE;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = TrainConfig.DEFAULT_LEARNING_RATE;

    @Option(names = "--batch", description = "user situations per batch (default: ${DEFAULT-VALUE})")
    int batch = TrainConfig.DEFAULT_BATCH_EXAMPLES;

    @Option(names = "--query-slot", negatable = true, description = "give the user tower a query-text input (default: ${DEFAULT-VALUE})")
    boolean querySlot = TrainConfig.DEFAULT_QUERY_SLOT;

    @Option(names = "--text-encoder", description = "minilm (default) or hashing (dependency-free, for smoke runs)")
    String textEncoder = "minilm";

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() {
        String command = commandLine(spec.commandLine().getParseResult().originalArgs());
        try {
            requirePyTorch();
            DatasetConfig datasetConfig = DatasetConfig.load(config);
            data = EvalCommand.dataFile(data, datasetConfig);
            Dataset dataset = DatasetLoader.load(data, datasetConfig, System.err::println);
            Instant fitEnd = TimeSplit.testStart(dataset, datasetConfig);
            Instant holdout = holdoutStart != null ? holdoutStart : TimeSplit.holdoutStart(dataset, datasetConfig);
            TimeSplit.check(dataset, datasetConfig, holdout, false);
            System.err.println("split: fit before " + fitEnd + ", hold-out from " + holdout
                    + (holdoutStart != null ? " (--holdout-start)" : datasetConfig.split().holdoutStart() != null ? " (split.holdout_start)"
                    : " (the last " + datasetConfig.split().holdoutFraction() + " of the fit period)"));
            TrainConfig c = new TrainConfig(dim, textBlock, hidden, hidden, temperature, batch, TrainConfig.DEFAULT_MAX_TARGETS,
                    learningRate, epochs, patience, seed, datasetConfig.evaluation() == null ? TrainConfig.DEFAULT_HISTORY_CAP
                    : datasetConfig.evaluation().historyCap(), TrainConfig.DEFAULT_CONTEXT_ONLY_SHARE, TrainConfig.DEFAULT_FIRST_ITEM_SHARE,
                    querySlot, TrainConfig.DEFAULT_QUERY_SHARE, fitEnd, holdout, !noRefit);
            String v = version != null ? version : BundleWriter.versionFor(Instant.now());
            try (Encoders enc = Encoders.open(textEncoder)) {
                TrainingRun.Outcome outcome = TrainingRun.run(dataset, data, enc.encoder, c, artifacts, v, command, quiet ? null : System.err,
                        null, datasetConfig.evaluation() == null ? TrainingRun.FIRST_CONTEXT_FIELD : datasetConfig.evaluation().popularityField());
                System.out.println(outcome.bundle());
            }
            return 0;
        } catch (DatasetException e) {
            System.err.println("mercury train: " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("mercury train: " + e.getMessage());
            return 1;
        } catch (ai.djl.engine.EngineException e) {
            // A PyTorch failure is a bug or a resource limit, never the user's data: say so in one sentence.
            System.err.println("mercury train: PyTorch failed (" + e.getMessage() + "); the data passed the checks, so this is a "
                    + "resource limit or a bug: please report it with the command line");
            return 1;
        }
    }

    private static void requirePyTorch() {
        if (!ai.djl.engine.Engine.hasEngine(TwoTowerTrainer.ENGINE)) {
            throw new IllegalStateException("DJL's PyTorch engine is not on the classpath (the serving jar leaves it out); "
                    + "run scripts/train, which trains on the Maven runtime classpath");
        }
    }

    /** "mercury train …" from the process's arguments (which start with the subcommand's name). */
    static String commandLine(List<String> args) {
        int from = args.indexOf("train") + 1;
        StringBuilder sb = new StringBuilder("mercury train");
        for (String a : args.subList(Math.max(0, from), args.size())) {
            sb.append(' ').append(a.matches("[\\w./@:=,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    /** The title encoder, MiniLM behind the on-disk cache unless told otherwise; closes what it opened. */
    static final class Encoders implements AutoCloseable {
        final TextEncoder encoder;
        private final MiniLmTextEncoder miniLm;
        private final EmbeddingCache cache;

        private Encoders(TextEncoder encoder, MiniLmTextEncoder miniLm, EmbeddingCache cache) {
            this.encoder = encoder;
            this.miniLm = miniLm;
            this.cache = cache;
        }

        static Encoders open(String kind) {
            switch (kind) {
                case "hashing":
                    return new Encoders(new HashingTextEncoder(MiniLmTextEncoder.DIM), null, null);
                case "minilm":
                    // DJL's OnnxRuntime engine must create the process's OrtEnvironment before MiniLM does.
                    ai.djl.engine.Engine.getEngine("OnnxRuntime");
                    MiniLmTextEncoder m = MiniLmTextEncoder.load();
                    EmbeddingCache cache;
                    try {
                        cache = EmbeddingCache.openDefault();
                    } catch (RuntimeException e) {
                        System.err.println("embedding cache unavailable (" + e.getMessage() + "); embedding titles without it");
                        return new Encoders(m, m, null);
                    }
                    return new Encoders(new CachingTextEncoder(m, cache), m, cache);
                default:
                    throw new IllegalArgumentException("--text-encoder must be minilm or hashing, got " + kind + " (known: "
                            + Arrays.asList("minilm", "hashing") + ")");
            }
        }

        @Override
        public void close() {
            if (cache != null) cache.close();
            if (miniLm != null) miniLm.close();
        }
    }
}
