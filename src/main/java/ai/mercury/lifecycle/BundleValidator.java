package ai.mercury.lifecycle;

import ai.mercury.bundle.Bundle;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleReader;
import ai.mercury.model.QualityGate;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The validation pipeline a bundle directory goes through before it may serve, each step failing
 * with its own reason code: {@link BundleReader} (manifest schema and format, directory name =
 * version, every listed file's size and sha256, catalog, vector matrix shape and values), the
 * {@link QualityGate}, then {@link SnapshotLoader} (both towers load and match the feature spec,
 * index loaded from a listed, matching {@code index.hnsw} or built, smoke and warm-up queries).
 * SnapshotLoader logs which index path it took. Blocking
 * (disk, native sessions): call off the event loop. Stateless and thread-safe.
 */
final class BundleValidator {
    private static final System.Logger LOG = System.getLogger(BundleValidator.class.getName());

    private final SnapshotLoader.Options options;
    private final QualityGate gate;
    private final TextEncoderRegistry textEncoders; // null: bundles whose spec reads query text are rejected

    BundleValidator(SnapshotLoader.Options options, QualityGate gate, TextEncoderRegistry textEncoders) {
        this.options = options;
        this.gate = gate;
        this.textEncoders = textEncoders;
    }

    /** A validated, warmed snapshot that the caller owns (publish it, or {@link Snapshot#retire()} it). */
    Snapshot load(Path dir) throws BundleException {
        Consumer<String> log = line -> LOG.log(System.Logger.Level.DEBUG, dir.getFileName() + ": " + line);
        try {
            Bundle bundle;
            try {
                bundle = BundleReader.read(dir, log);
            } catch (RuntimeException e) {
                throw new BundleException("load_failed", dir, e.toString(), e);
            }
            gate.check(bundle.manifest(), dir);
            return SnapshotLoader.load(bundle, options.withQueryEncoderFor(bundle, textEncoders), log);
        } catch (OutOfMemoryError e) {
            // A rejection, not a crash of the scan: otherwise every rescan would load it again and run out again.
            throw new BundleException("out_of_memory", dir, "the bundle does not fit in the heap (max "
                    + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB besides the serving snapshot); raise -Xmx"
                    + " (MERCURY_JAVA_OPTS; a 1M-item HNSW bundle needs about 2.6 GB, see docs/bench/load-1m.md), then touch the directory to retry", e);
        }
    }
}
