package ai.mercury.eval;

import ai.mercury.feature.TextEncoder;
import ai.mercury.index.IndexParams;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one {@code mercury eval} run does.
 *
 * @param bundles          bundle directories to evaluate side by side (empty: baselines only)
 * @param data             the interaction log
 * @param config           its dataset config (conf/datasets/…)
 * @param out              report directory
 * @param index            the served index parameters (the model is also run with exact search)
 * @param threads          query threads
 * @param textEncoder      the title encoder of text_knn; null when unavailable
 * @param textEncoderNote  why text_knn is unavailable when {@code textEncoder} is null
 * @param updateManifests  write the headline figures into each bundle's manifest
 * @param command          the command line, as recorded in reports
 * @param progress         where progress bars go (null: none)
 */
public record EvalOptions(List<Path> bundles, Path data, Path config, Path out, IndexParams index, int threads,
                          TextEncoder textEncoder, String textEncoderNote, boolean updateManifests, String command,
                          PrintStream progress) {
    public EvalOptions {
        bundles = List.copyOf(bundles);
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(index, "index");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (textEncoder == null && textEncoderNote == null) textEncoderNote = "no text encoder was given";
    }
}
