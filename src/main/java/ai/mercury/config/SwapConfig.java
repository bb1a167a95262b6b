package ai.mercury.config;

import ai.mercury.model.QualityGate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code swap.*} keys: how the index manager watches the artifacts directory, when a new
 * bundle directory counts as complete, the quality gate, the pin file's place, leak reporting and
 * retention. Part of {@link MercuryConfig}; see docs/operations.md.
 *
 * @param watch               use the file system's change notifications ({@code WatchService}) besides the rescans
 * @param scanIntervalMs      period of the full rescan of the artifacts directory (events can be lost on some mounts)
 * @param settleMs            a new or changed bundle directory must be complete and unchanged for this long before it is validated
 * @param incompleteTimeoutMs a directory still incomplete (files missing or short) but unchanged this long is validated
 *                            anyway, and so rejected with the reason of what is wrong with it
 * @param leakWarnMs          a retired snapshot still referenced this long after its swap is logged as a leak
 * @param keepBundles         retention: keep this many newest bundle directories (never the active or pinned one); 0 = keep all
 * @param stateDir            where the pin file {@code .mercury-pin} lives; null = the artifacts directory
 * @param qualityGate         minimum evaluation figures a bundle's manifest must show to be activated
 */
public record SwapConfig(
        boolean watch,
        int scanIntervalMs,
        int settleMs,
        int incompleteTimeoutMs,
        int leakWarnMs,
        int keepBundles,
        Path stateDir,
        QualityGate qualityGate) {

    public static final boolean DEFAULT_WATCH = true;
    public static final int DEFAULT_SCAN_INTERVAL_MS = 5_000;
    public static final int DEFAULT_SETTLE_MS = 1_000;
    public static final int DEFAULT_INCOMPLETE_TIMEOUT_MS = 120_000;
    public static final int DEFAULT_LEAK_WARN_MS = 60_000;
    public static final int DEFAULT_KEEP_BUNDLES = 0;
    public static final String DEFAULT_STATE_DIR = "";

    /** Config key → the evaluation figure it bounds (a path into the manifest's {@code evaluation}). */
    static final Map<String, List<String>> GATE_KEYS = Map.of(
            "swap.min_recall_at_100.warm", List.of("model", "warm", "recall@100"),
            "swap.min_recall_at_100.cold_user_context", List.of("model", "cold_user_context", "recall@100"),
            "swap.min_recall_at_100.cold_user_first_item", List.of("model", "cold_user_first_item", "recall@100"),
            "swap.min_recall_at_100.cold_item", List.of("model", "cold_item", "recall@100"),
            "swap.min_ann_recall_at_100", List.of("ann_recall@100"));

    static void putDefaults(Map<String, Object> d) {
        d.put("swap.watch", DEFAULT_WATCH);
        d.put("swap.scan_interval_ms", DEFAULT_SCAN_INTERVAL_MS);
        d.put("swap.settle_ms", DEFAULT_SETTLE_MS);
        d.put("swap.incomplete_timeout_ms", DEFAULT_INCOMPLETE_TIMEOUT_MS);
        d.put("swap.leak_warn_ms", DEFAULT_LEAK_WARN_MS);
        d.put("swap.keep_bundles", DEFAULT_KEEP_BUNDLES);
        d.put("swap.state_dir", DEFAULT_STATE_DIR);
        for (String key : GATE_KEYS.keySet()) d.put(key, 0.0);
        d.put(QualityGate.HYBRID_KEY, false);
    }

    static SwapConfig from(Map<String, Object> v) {
        List<QualityGate.Minimum> minimums = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : new java.util.TreeMap<>(GATE_KEYS).entrySet()) {
            double min = MercuryConfig.doubleIn(v, e.getKey(), 0, 1);
            if (min > 0) minimums.add(new QualityGate.Minimum(e.getKey(), e.getValue(), min));
        }
        int settle = MercuryConfig.intIn(v, "swap.settle_ms", 0, 3_600_000);
        int incomplete = MercuryConfig.intIn(v, "swap.incomplete_timeout_ms", 0, 86_400_000);
        if (incomplete < settle) {
            throw new MercuryConfig.ConfigException("swap.incomplete_timeout_ms (" + incomplete + ") must be at least swap.settle_ms (" + settle + ")");
        }
        String state = MercuryConfig.str(v, "swap.state_dir").trim();
        return new SwapConfig(MercuryConfig.bool(v, "swap.watch"), MercuryConfig.intIn(v, "swap.scan_interval_ms", 50, 3_600_000),
                settle, incomplete, MercuryConfig.intIn(v, "swap.leak_warn_ms", 1, 86_400_000),
                MercuryConfig.intIn(v, "swap.keep_bundles", 0, 100_000), state.isEmpty() ? null : Path.of(state),
                new QualityGate(minimums, MercuryConfig.bool(v, QualityGate.HYBRID_KEY)));
    }
}
