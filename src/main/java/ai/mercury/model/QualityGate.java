package ai.mercury.model;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.Manifest;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Minimum evaluation figures a bundle must show before it may serve: each {@link Minimum} names a
 * figure in the manifest's {@code evaluation} object (as written by {@code mercury eval}, e.g.
 * {@code model.warm.recall@100}) and the least acceptable value. A bundle whose manifest lacks a
 * gated figure fails the gate too: a gate that passes on missing numbers would not be one.
 * Immutable and thread-safe; {@link #NONE} checks nothing.
 */
public final class QualityGate {
    /** Reason code of a bundle that fails the gate. */
    public static final String REASON = "quality_gate";
    public static final QualityGate NONE = new QualityGate(List.of());

    /**
     * @param key  the configuration key that set it (named in rejection messages)
     * @param path the figure's path inside {@code evaluation}, e.g. {@code [model, warm, recall@100]}
     * @param min  the least acceptable value
     */
    public record Minimum(String key, List<String> path, double min) {
        public Minimum {
            path = List.copyOf(path);
        }

        String dotted() {
            return "evaluation." + String.join(".", path);
        }
    }

    /** The config key of {@link #requireHybridBeatsBaselines()}. */
    public static final String HYBRID_KEY = "swap.require_hybrid_beats_baselines";

    private final List<Minimum> minimums;
    private final boolean requireHybridBeatsBaselines;

    public QualityGate(List<Minimum> minimums) {
        this(minimums, false);
    }

    /**
     * @param requireHybridBeatsBaselines refuse a bundle whose manifest does not show the trainer's
     *        hybrid at least as good as the best baseline on every hold-out slice (Recall@100 and NDCG@10:
     *        {@code training.hybrid.holdout_beats_best_baseline}); a bundle without that figure is refused too
     */
    public QualityGate(List<Minimum> minimums, boolean requireHybridBeatsBaselines) {
        this.minimums = List.copyOf(minimums);
        this.requireHybridBeatsBaselines = requireHybridBeatsBaselines;
    }

    public List<Minimum> minimums() {
        return minimums;
    }

    public boolean requireHybridBeatsBaselines() {
        return requireHybridBeatsBaselines;
    }

    public boolean enabled() {
        return !minimums.isEmpty() || requireHybridBeatsBaselines;
    }

    /** Throws {@code BundleException(quality_gate)} naming every figure that is missing or too low. */
    public void check(Manifest manifest, Path dir) throws BundleException {
        List<String> failures = new ArrayList<>();
        for (Minimum m : minimums) {
            JsonNode node = manifest.evaluation();
            for (String step : m.path()) node = node == null ? null : node.get(step);
            if (node == null || !node.isNumber()) {
                failures.add(Manifest.FILE_NAME + " has no number at " + m.dotted() + ", which " + m.key() + " = " + m.min() + " requires");
            } else if (!(node.asDouble() >= m.min())) {
                failures.add(String.format(Locale.ROOT, "%s is %.6f, below %s = %s", m.dotted(), node.asDouble(), m.key(), m.min()));
            }
        }
        if (requireHybridBeatsBaselines) {
            JsonNode hybrid = manifest.training() == null ? null : manifest.training().get("hybrid");
            JsonNode beats = hybrid == null ? null : hybrid.get("holdout_beats_best_baseline");
            if (beats == null || !beats.isBoolean()) {
                failures.add(Manifest.FILE_NAME + " has no training.hybrid.holdout_beats_best_baseline (a bundle trained before the hybrid), which "
                        + HYBRID_KEY + " = true requires");
            } else if (!beats.asBoolean()) {
                failures.add("on the trainer's hold-out the hybrid loses to the best baseline (" + hybrid.path("holdout_losses_to_best_baseline")
                        + "), which " + HYBRID_KEY + " = true refuses");
            }
        }
        if (!failures.isEmpty()) {
            throw new BundleException(REASON, dir, String.join("; ", failures) + " (the quality gate: run mercury eval on the bundle, or lower the minimum)");
        }
    }

    @Override
    public String toString() {
        return !enabled() ? "QualityGate[none]" : "QualityGate" + minimums + (requireHybridBeatsBaselines ? "+hybrid_beats_baselines" : "");
    }
}
